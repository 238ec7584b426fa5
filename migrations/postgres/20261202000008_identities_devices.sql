-- Sign-in with OAuth 2 / OpenID Connect providers, and sessions a person
-- can see and revoke.

-- An account may have no password: it signs in through a provider.
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
-- NULL until the address is proven (email verification).
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;

-- One row per way of signing in through a provider. (provider, subject)
-- is who the provider says the person is; the email is what it asserted
-- at the last sign-in, kept for the account page, never to find accounts.
CREATE TABLE identities (
    provider       TEXT NOT NULL,
    subject        TEXT NOT NULL,
    user_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email          TEXT,
    email_verified BOOLEAN NOT NULL,
    linked_at      BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX identities_by_user ON identities (user_id, linked_at);

-- Sessions, seen from the account page: whose each is, a public handle for
-- it (the id itself is the cookie's secret and never leaves the server),
-- when it began, when it was last seen (as coarse as the session's own
-- refresh, so no write per request) and the browser it began in. The
-- session store copies them out of the session's data on every save.
ALTER TABLE tower_sessions.session ADD COLUMN user_id UUID;
ALTER TABLE tower_sessions.session ADD COLUMN handle TEXT;
ALTER TABLE tower_sessions.session ADD COLUMN signed_in_at BIGINT;
ALTER TABLE tower_sessions.session ADD COLUMN last_seen_at BIGINT;
ALTER TABLE tower_sessions.session ADD COLUMN user_agent TEXT;
CREATE INDEX session_by_user ON tower_sessions.session (user_id);
