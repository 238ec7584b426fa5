-- A random echo, uniformly and in O(log n): each of a person's echoes of one
-- emotion holds a slot 0..n-1 in that emotion. A random pick draws a slot
-- and looks it up (retrying the rare hole); inserting takes the next slot,
-- and deleting or re-tagging moves the last echo into the freed one.
-- Replaces random_key, whose seek favoured the echoes after wide gaps and
-- whose exact alternative (count, then OFFSET) grew with the number of rows.
ALTER TABLE echoes ADD COLUMN pick_slot INTEGER NOT NULL DEFAULT 0;
UPDATE echoes SET pick_slot = numbered.slot
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY user_id, emotion ORDER BY random_key, id) - 1 AS slot
      FROM echoes) AS numbered
WHERE numbered.id = echoes.id;
DROP INDEX echoes_by_user_emotion_random;
ALTER TABLE echoes DROP COLUMN random_key;
CREATE UNIQUE INDEX echoes_by_user_emotion_slot ON echoes (user_id, emotion, pick_slot);
