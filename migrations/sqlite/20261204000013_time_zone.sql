-- Local time: each person's IANA time zone (`Europe/Berlin`), taken from
-- the browser on their first visit and changeable on the account page.
-- NULL until then, shown as UTC.
ALTER TABLE users ADD COLUMN time_zone TEXT;
