-- Word filters of a subscription (domain::filter): JSON arrays of words and
-- phrases. A briefing is posted when it mentions one of include_words (or
-- include_words is empty) and none of exclude_words.
ALTER TABLE subscriptions ADD COLUMN include_words TEXT NOT NULL DEFAULT '[]';
ALTER TABLE subscriptions ADD COLUMN exclude_words TEXT NOT NULL DEFAULT '[]';
