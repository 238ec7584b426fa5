-- Email change: a third kind of mailed link, 'change', sent to the new
-- address (which its `email` holds) and used to switch to it. SQLite
-- cannot alter a CHECK constraint, so the table is rebuilt (nothing
-- refers to it).
CREATE TABLE email_tokens_rebuilt (
    secret_hash BLOB PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'change')),
    email       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
INSERT INTO email_tokens_rebuilt SELECT secret_hash, user_id, purpose, email, created_at, expires_at, used_at FROM email_tokens;
DROP TABLE email_tokens;
ALTER TABLE email_tokens_rebuilt RENAME TO email_tokens;
CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose, created_at);
