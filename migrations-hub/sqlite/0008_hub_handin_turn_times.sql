ALTER TABLE `hub_handin` ADD `first_turn_at` integer;--> statement-breakpoint
ALTER TABLE `hub_handin` ADD `last_turn_at` integer;--> statement-breakpoint
-- The hand-ins stored so far: their bundle's first and last turn times, each bundle read once
-- (every session's turns' created_at). A bundle SQLite cannot read as JSON, or without turns,
-- keeps NULL: learner-days.ts then always reads it. The values are stored as the bundle has them
-- (receiveHandin rounds down to whole ms; both keep "no turn before first, none after last" true).
UPDATE `hub_handin` SET (`first_turn_at`, `last_turn_at`) = (
  SELECT min(json_extract(t.value, '$.created_at')), max(json_extract(t.value, '$.created_at'))
  FROM json_each(`hub_handin`.`bundle`, '$.sessions') s, json_each(s.value, '$.turns') t
) WHERE json_valid(`bundle`);--> statement-breakpoint
-- As receiveHandin: a time beyond what a date can be (±8.64e15 ms) is not kept.
UPDATE `hub_handin` SET `first_turn_at` = NULL, `last_turn_at` = NULL WHERE `first_turn_at` < -8640000000000000 OR `last_turn_at` > 8640000000000000;
