-- Names of the console's simulated channels too long to be encoded in their
-- ids (over 11 characters, or beyond a-z 0-9 - _), so that ids stored in
-- subscriptions read back as names after a restart.
CREATE TABLE console_channels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;
