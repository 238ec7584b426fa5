-- Two-step sign-in: an authenticator app (TOTP, RFC 6238) and the
-- recovery codes that stand in for it.

-- One authenticator per account. Until enabled_at is set it is being
-- set up (the QR code is on screen); last_step is the newest 30-second
-- step whose code was accepted, so no code is accepted twice.
CREATE TABLE totp_factors (
    user_id    UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    enabled_at BIGINT,
    last_step  BIGINT NOT NULL DEFAULT 0
);

-- Ten single-use codes, shown once; only a SHA-256 of each is kept.
CREATE TABLE recovery_codes (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
