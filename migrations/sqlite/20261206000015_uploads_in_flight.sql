-- Uploads streaming through a server right now: written before the first
-- byte is stored, removed in the transaction that commits the echo (or when
-- the upload fails). A row whose instance has stopped — killed mid-upload —
-- names an object nobody will commit: that instance's successor, or any
-- other replica, removes the object and then the row (echoes/in_flight.rs).
CREATE TABLE uploads_in_flight (
    storage_key TEXT PRIMARY KEY NOT NULL,
    instance_id BLOB NOT NULL,
    started_at  INTEGER NOT NULL
);
CREATE INDEX uploads_in_flight_by_instance ON uploads_in_flight (instance_id);
