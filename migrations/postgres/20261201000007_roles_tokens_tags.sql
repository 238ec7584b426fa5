-- Roles and disabled accounts, tokens for API clients, and tags in a table
-- of their own so "my echoes tagged rain" is an index seek.

-- 'user' or 'admin'. disabled_at (Unix ms) set: every session and token of
-- the account stops working at once, on every replica (checked per request).
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
-- The admin list, newest first, a page at a time.
CREATE INDEX users_by_created ON users (created_at DESC, id DESC);

-- Access and refresh tokens (one family per API log-in) and personal
-- access tokens. Only a SHA-256 of each token is kept.
CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('access', 'refresh', 'personal')),
    secret_hash  BYTEA NOT NULL UNIQUE,
    family_id    UUID,                  -- access + refresh tokens of one log-in
    name         TEXT,                  -- personal tokens: what it is for
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,                -- NULL: until revoked
    used_at      BIGINT,                -- refresh tokens: when exchanged (once)
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_by_family ON api_tokens (family_id);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, kind, created_at);

-- One row per tag of an echo, ordered like the list it serves.
CREATE TABLE echo_tags (
    echo_id     UUID NOT NULL REFERENCES echoes (id) ON DELETE CASCADE,
    user_id     UUID NOT NULL,
    tag         TEXT NOT NULL,
    captured_at BIGINT NOT NULL,
    PRIMARY KEY (echo_id, tag)
);
CREATE INDEX echo_tags_by_user_tag_time ON echo_tags (user_id, tag, captured_at DESC, echo_id DESC);
INSERT INTO echo_tags (echo_id, user_id, tag, captured_at)
    SELECT e.id, e.user_id, j.value, e.captured_at FROM echoes e, jsonb_array_elements_text(e.tags::jsonb) j;
