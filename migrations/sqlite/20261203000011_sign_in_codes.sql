-- Sign-in codes by email or SMS, the phone numbers they go to, and
-- text messages in the outbox.

-- Six-digit codes, ten minutes, five tries, once. `purpose` is 'sign-in'
-- (a code that signs in) or 'phone' (proving a number before it is
-- added); `target` is the address or E.164 number it was sent to. Only a
-- SHA-256 of the code (with the row's id) is kept.
CREATE TABLE sign_in_codes (
    id         BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('sign-in', 'phone')),
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    target     TEXT NOT NULL,
    code_hash  BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    tries      INTEGER NOT NULL DEFAULT 0,
    used_at    INTEGER
);
CREATE INDEX sign_in_codes_by_user ON sign_in_codes (user_id, purpose, created_at);

-- A verified phone number per account (E.164), one account per number.
CREATE TABLE phone_numbers (
    user_id     BLOB PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    phone       TEXT NOT NULL UNIQUE,
    verified_at INTEGER NOT NULL
);

-- The outbox carries text messages too: 'sms' rows have a phone number
-- in to_address and no subject or HTML.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms'));
