CREATE TABLE `usage_day` (
	`user_id` text NOT NULL,
	`day` integer NOT NULL,
	`mode` text NOT NULL,
	`assignment_key` text NOT NULL,
	`model_key` text NOT NULL,
	`turns` integer NOT NULL,
	`tokens_in` integer NOT NULL,
	`tokens_out` integer NOT NULL,
	`cost` integer NOT NULL,
	`estimated_turns` integer NOT NULL,
	PRIMARY KEY(`user_id`, `day`, `mode`, `assignment_key`, `model_key`)
);
--> statement-breakpoint
CREATE INDEX `session_id_user_id_idx` ON `session` (`id`,`user_id`);