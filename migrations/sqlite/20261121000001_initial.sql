-- Echoes' first schema (SQLite). Times are Unix milliseconds; ids are UUIDs.

CREATE TABLE users (
    id            BLOB PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,          -- stored lower-cased
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,                 -- argon2id PHC string
    created_at    INTEGER NOT NULL
);

CREATE TABLE echoes (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emotion      TEXT NOT NULL CHECK (emotion IN
                   ('joy','calm','sadness','anger','fear','surprise','love','nostalgia')),
    title        TEXT,
    note         TEXT,
    tags         TEXT NOT NULL DEFAULT '[]',     -- JSON array of strings
    captured_at  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    storage_key  TEXT NOT NULL,
    random_key   INTEGER NOT NULL                -- uniform in [0, 2^53): picks a random echo by index
);

-- "My echoes, newest first" and the same for one emotion (keyset pagination).
CREATE INDEX echoes_by_user_time ON echoes (user_id, captured_at DESC, id DESC);
CREATE INDEX echoes_by_user_emotion_time ON echoes (user_id, emotion, captured_at DESC, id DESC);
-- "A random echo of one emotion": seek to a random key.
CREATE INDEX echoes_by_user_emotion_random ON echoes (user_id, emotion, random_key);

-- tower-sessions' SQLite store (same shape as its own `migrate()`).
CREATE TABLE tower_sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);
CREATE INDEX tower_sessions_expiry ON tower_sessions (expiry_date);
