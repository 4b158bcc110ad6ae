-- client_request_id becomes unique per user, not across users: the key is the text of the JSON
-- array [user_id, id] (a turn has no user column; its session has), stored as a string as new
-- rows store it (`|| ''` makes json_set store text, not the array). Existing ids get their key first.
DROP INDEX `turn_client_request_id_idx`;--> statement-breakpoint
UPDATE `turn` SET `meta` = json_set(`meta`, '$.client_request_key', json_array((SELECT `user_id` FROM `session` WHERE `session`.`id` = `turn`.`session_id`), json_extract(`meta`, '$.client_request_id')) || '') WHERE json_extract(`meta`, '$.client_request_id') IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `turn_client_request_key_idx` ON `turn` (json_extract(meta, '$.client_request_key')) WHERE json_extract(meta, '$.client_request_key') IS NOT NULL;
