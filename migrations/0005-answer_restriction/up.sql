-- When set, members of a server may answer only briefings posted in it.
ALTER TABLE guild_settings ADD COLUMN answers_where_posted INTEGER NOT NULL DEFAULT 0;
