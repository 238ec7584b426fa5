-- Email change: a third kind of mailed link, 'change', sent to the new
-- address (which its `email` holds) and used to switch to it.
ALTER TABLE email_tokens DROP CONSTRAINT email_tokens_purpose_check;
ALTER TABLE email_tokens ADD CONSTRAINT email_tokens_purpose_check CHECK (purpose IN ('verify', 'reset', 'change'));
