-- One nonce per message an answer's display posts, kept until the post is
-- known to have happened: every attempt (and every later change of the
-- answer, in whatever delivery) sends the same one, so Discord returns the
-- first message instead of posting the answer again. `pending_since` is
-- when it was first sent: past Discord's nonce window, the message is
-- looked for instead.
ALTER TABLE answer_displays ADD COLUMN pending_part INTEGER;
ALTER TABLE answer_displays ADD COLUMN pending_nonce TEXT;
ALTER TABLE answer_displays ADD COLUMN pending_since INTEGER;
