-- Whether a server question's message in a thread is a card (Components V2)
-- or classic. Discord never lets a card become a plain message again, so an
-- edit keeps the form the message was posted in. Messages shown before
-- this column were all classic.
ALTER TABLE question_displays ADD COLUMN card INTEGER NOT NULL DEFAULT 0 CHECK (card IN (0, 1));
