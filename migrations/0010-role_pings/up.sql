-- A role pinged by each post a subscription or schedule makes, and the one
-- a queued delivery pings (fixed when it is queued).
ALTER TABLE subscriptions ADD COLUMN role_id INTEGER;
ALTER TABLE schedules ADD COLUMN role_id INTEGER;
ALTER TABLE deliveries ADD COLUMN ping_role_id INTEGER;
