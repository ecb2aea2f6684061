-- Which process delivers posts for which part of the database. One row per
-- scope ('discord', 'console'); the holder renews `expires_at` while it
-- runs, and another process takes over only after it has expired.
CREATE TABLE delivery_leases (
    scope      TEXT PRIMARY KEY,
    -- A random id of the holding process (unique per start).
    holder     TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    host       TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
