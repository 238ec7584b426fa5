-- Counters behind sign-in throttling, shared by every replica: failed
-- log-ins per account and per client address, sign-ups per address. A
-- bucket counts within a window; past its limit it is blocked until
-- blocked_until (Unix ms), and the block wears off by itself.
CREATE TABLE auth_throttle (
    bucket            TEXT PRIMARY KEY NOT NULL,  -- e.g. 'login-account:ada@example.org'
    hits              INTEGER NOT NULL,
    window_started_at INTEGER NOT NULL,
    blocked_until     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX auth_throttle_by_window ON auth_throttle (window_started_at);
