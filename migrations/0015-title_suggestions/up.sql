-- Titles alone, with prefix indexes, for suggestions while a member types:
-- a short prefix ("pen") over every word of every body took half a second
-- at 100,000 briefings; over titles with a prefix index it is a lookup.
-- Kept in step with `briefings` by triggers (external content).
CREATE VIRTUAL TABLE briefing_titles USING fts5 (
    title,
    content = 'briefings',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
INSERT INTO briefing_titles (briefing_titles) VALUES ('rebuild');

CREATE TRIGGER briefing_titles_insert AFTER INSERT ON briefings BEGIN
    INSERT INTO briefing_titles (rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER briefing_titles_delete AFTER DELETE ON briefings BEGIN
    INSERT INTO briefing_titles (briefing_titles, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER briefing_titles_update AFTER UPDATE OF title ON briefings BEGIN
    INSERT INTO briefing_titles (briefing_titles, rowid, title) VALUES ('delete', old.id, old.title);
    INSERT INTO briefing_titles (rowid, title) VALUES (new.id, new.title);
END;
