-- Versions: each turn names the turn it follows. Edits and regenerations become siblings.
-- Existing turns get their parents from the order they were written in, per session: an
-- assistant turn follows its user turn (meta.user_turn_id, else the user turn written last before
-- it); a user turn follows the assistant turn written last before it (none: the first message).
ALTER TABLE `turn` ADD `parent_id` text REFERENCES turn(id) ON DELETE cascade;--> statement-breakpoint
CREATE INDEX `turn_parent_id_idx` ON `turn` (`parent_id`);--> statement-breakpoint
UPDATE `turn` SET `parent_id` = CASE `role`
  WHEN 'assistant' THEN coalesce(
    (SELECT u.`id` FROM `turn` u WHERE u.`id` = json_extract(`turn`.`meta`, '$.user_turn_id') AND u.`session_id` = `turn`.`session_id` AND u.`role` = 'user'),
    (SELECT p.`id` FROM `turn` p WHERE p.`session_id` = `turn`.`session_id` AND p.`role` = 'user' AND (p.`created_at`, p.`id`) < (`turn`.`created_at`, `turn`.`id`)
     ORDER BY p.`created_at` DESC, p.`id` DESC LIMIT 1))
  WHEN 'user' THEN
    (SELECT p.`id` FROM `turn` p WHERE p.`session_id` = `turn`.`session_id` AND p.`role` = 'assistant' AND (p.`created_at`, p.`id`) < (`turn`.`created_at`, `turn`.`id`)
     ORDER BY p.`created_at` DESC, p.`id` DESC LIMIT 1)
END WHERE `role` IN ('user', 'assistant');
