-- Direct uploads (S3): the server hands out a presigned PUT and records what
-- was declared; "complete" turns the record into an echo. Records never
-- completed are swept, object and all, after PENDING_UPLOAD_TTL_SECONDS.
CREATE TABLE pending_uploads (
    id            UUID PRIMARY KEY,  -- becomes the echo's id
    user_id       UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    storage_key   TEXT NOT NULL,
    declared_size BIGINT NOT NULL,
    declared_type TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX pending_uploads_by_age ON pending_uploads (created_at);
