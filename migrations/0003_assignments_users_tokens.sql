CREATE TABLE `api_token` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`user_id` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "api_token_hash_check" CHECK(length(secret_hash) = 64)
);
--> statement-breakpoint
CREATE INDEX `api_token_user_id_idx` ON `api_token` (`user_id`);--> statement-breakpoint
CREATE TABLE `assignment` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`subject` text,
	`description` text,
	`due_at` integer,
	`created_at` integer NOT NULL,
	`meta` text NOT NULL,
	CONSTRAINT "assignment_title_check" CHECK(length(trim(title)) > 0),
	CONSTRAINT "assignment_times_check" CHECK(typeof(created_at) = 'integer' AND (due_at IS NULL OR typeof(due_at) = 'integer')),
	CONSTRAINT "assignment_meta_check" CHECK(json_valid(meta) AND json_type(meta) = 'object')
);
--> statement-breakpoint
CREATE INDEX `assignment_due_at_idx` ON `assignment` (`due_at`);--> statement-breakpoint
CREATE TABLE `user` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "user_role_check" CHECK(role IN ('student', 'admin'))
);
--> statement-breakpoint
CREATE INDEX `user_name_idx` ON `user` (`name`);