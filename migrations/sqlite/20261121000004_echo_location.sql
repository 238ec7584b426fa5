-- Where an echo was recorded, when the person chose to say. Stored already
-- coarsened to ~1 km (2 decimals) unless they asked for the exact spot.
ALTER TABLE echoes ADD COLUMN latitude REAL;
ALTER TABLE echoes ADD COLUMN longitude REAL;
