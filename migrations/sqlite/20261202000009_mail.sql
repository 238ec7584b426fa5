-- Outgoing mail and the single-use links it carries.

-- Messages waiting to be sent (and, for a day, those sent). A worker on
-- each replica claims due ones by pushing next_attempt_at ahead, sends,
-- and sets sent_at — or counts the failure and backs off.
CREATE TABLE outbox (
    id              BLOB PRIMARY KEY NOT NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;

-- "Confirm your address" and "reset your password" links: only a SHA-256
-- of each secret; used_at set once, by the statement that checks it.
CREATE TABLE email_tokens (
    secret_hash BLOB PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),
    email       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose, created_at);
