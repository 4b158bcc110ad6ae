DROP INDEX `session_user_id_started_at_idx`;--> statement-breakpoint
CREATE INDEX `session_user_id_started_at_idx` ON `session` (`user_id`,`started_at`,`id`);--> statement-breakpoint
DROP INDEX `turn_session_id_created_at_idx`;--> statement-breakpoint
DROP INDEX `turn_created_at_idx`;--> statement-breakpoint
CREATE INDEX `turn_session_id_created_at_idx` ON `turn` (`session_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `turn_created_at_idx` ON `turn` (`created_at`,`id`);