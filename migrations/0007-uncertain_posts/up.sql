-- When the outcome of a delivery's next message became unknown (a server
-- error or lost connection after sending it, or a crash mid-send). Discord
-- remembers a nonce for a few minutes only: a retry later than that first
-- looks for the message in the channel instead of trusting the nonce.
ALTER TABLE deliveries ADD COLUMN uncertain_since INTEGER;
