-- Two-step sign-in: an authenticator app (TOTP, RFC 6238) and the
-- recovery codes that stand in for it.

-- One authenticator per account. Until enabled_at is set it is being
-- set up (the QR code is on screen); last_step is the newest 30-second
-- step whose code was accepted, so no code is accepted twice.
CREATE TABLE totp_factors (
    user_id    BLOB PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret     BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    enabled_at INTEGER,
    last_step  INTEGER NOT NULL DEFAULT 0
);

-- Ten single-use codes, shown once; only a SHA-256 of each is kept.
CREATE TABLE recovery_codes (
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (user_id, code_hash)
);
