-- Questions a followed source's articles get when they arrive without Key
-- Questions of their own (a JSON array of texts), so every article a
-- community follows can be discussed.
ALTER TABLE sources ADD COLUMN default_questions TEXT NOT NULL DEFAULT '[]';
