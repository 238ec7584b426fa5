-- Echoes' first schema (PostgreSQL). Times are Unix milliseconds; ids are UUIDs.

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,          -- stored lower-cased
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,                 -- argon2id PHC string
    created_at    BIGINT NOT NULL
);

CREATE TABLE echoes (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emotion      TEXT NOT NULL CHECK (emotion IN
                   ('joy','calm','sadness','anger','fear','surprise','love','nostalgia')),
    title        TEXT,
    note         TEXT,
    tags         TEXT NOT NULL DEFAULT '[]',     -- JSON array of strings
    captured_at  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    storage_key  TEXT NOT NULL,
    random_key   BIGINT NOT NULL                 -- uniform in [0, 2^53): picks a random echo by index
);

-- "My echoes, newest first" and the same for one emotion (keyset pagination).
CREATE INDEX echoes_by_user_time ON echoes (user_id, captured_at DESC, id DESC);
CREATE INDEX echoes_by_user_emotion_time ON echoes (user_id, emotion, captured_at DESC, id DESC);
-- "A random echo of one emotion": seek to a random key.
CREATE INDEX echoes_by_user_emotion_random ON echoes (user_id, emotion, random_key);

-- tower-sessions' PostgreSQL store (same shape as its own `migrate()`).
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE tower_sessions.session (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BYTEA NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);
CREATE INDEX session_expiry ON tower_sessions.session (expiry_date);
