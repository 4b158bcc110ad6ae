-- Replies the laptop flagged were stored unflagged: it writes meta.flagged as a reason string
-- ('final_answer_above_level') while the hub only counted `true`. Mark those rows now.
UPDATE hub_turn SET flagged = 1
WHERE flagged = 0
  AND CASE WHEN json_valid(meta) THEN json_type(meta, '$.flagged') = 'text' AND trim(json_extract(meta, '$.flagged')) <> '' ELSE 0 END;
