-- Uploads streaming through a server right now: written before the first
-- byte is stored, removed in the transaction that commits the echo (or when
-- the upload fails). A row whose instance has stopped — killed mid-upload —
-- names an object nobody will commit: any other replica, or the instance's
-- successor, removes the object and then the row (echoes/in_flight.rs).
-- An instance is alive while it holds a session advisory lock on its id.
CREATE TABLE uploads_in_flight (
    storage_key TEXT PRIMARY KEY,
    instance_id UUID NOT NULL,
    started_at  BIGINT NOT NULL
);
CREATE INDEX uploads_in_flight_by_instance ON uploads_in_flight (instance_id);
