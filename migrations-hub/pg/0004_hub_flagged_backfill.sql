-- Replies the laptop flagged were stored unflagged: it writes meta.flagged as a reason string
-- ('final_answer_above_level') while the hub only counted `true`. Mark those rows now.
UPDATE hub_turn SET flagged = true
WHERE flagged = false
  AND jsonb_typeof(meta -> 'flagged') = 'string'
  AND btrim(meta ->> 'flagged') <> '';
