-- What decoding the audio once tells: its real length and ~200 waveform
-- peaks (0–255). NULL for echoes whose audio could not be decoded.
ALTER TABLE echoes ADD COLUMN duration_ms INTEGER;
ALTER TABLE echoes ADD COLUMN peaks BLOB;
