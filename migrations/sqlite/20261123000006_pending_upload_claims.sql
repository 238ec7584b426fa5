-- Direct uploads are claimed before anything acts on them, so the sweeper
-- never deletes an upload that "complete" is probing (and vice versa):
-- waiting -> completing -> completed (kept until its PUT URL has expired,
-- so the sweeper can remove whatever is PUT to it afterwards), or
-- -> sweeping. claimed_at (Unix ms) lets a claim left by a crash expire.
ALTER TABLE pending_uploads ADD COLUMN state TEXT NOT NULL DEFAULT 'waiting';
ALTER TABLE pending_uploads ADD COLUMN claimed_at INTEGER;
CREATE INDEX pending_uploads_by_user_state ON pending_uploads (user_id, state);
