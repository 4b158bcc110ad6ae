CREATE TABLE `handin_key` (
	`user_id` text PRIMARY KEY NOT NULL,
	`public_key` text NOT NULL,
	`first_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `submission` (
	`id` text PRIMARY KEY NOT NULL,
	`assignment_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`session_ids` text NOT NULL,
	`answer` text NOT NULL,
	`ai_note` text NOT NULL,
	`bundle` text,
	`bundle_hash` text,
	`submitted_at` integer,
	`late` integer DEFAULT false NOT NULL,
	`score` integer,
	`feedback` text,
	`returned_at` integer,
	`source` text NOT NULL,
	`verification` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`meta` text NOT NULL,
	CONSTRAINT "submission_status_check" CHECK(status IN ('draft', 'submitted', 'returned')),
	CONSTRAINT "submission_source_check" CHECK(source IN ('server', 'file')),
	CONSTRAINT "submission_session_ids_check" CHECK(json_valid(session_ids) AND json_type(session_ids) = 'array'),
	CONSTRAINT "submission_verification_check" CHECK(verification IS NULL OR (json_valid(verification) AND json_type(verification) = 'object')),
	CONSTRAINT "submission_meta_check" CHECK(json_valid(meta) AND json_type(meta) = 'object'),
	CONSTRAINT "submission_score_check" CHECK(score IS NULL OR (typeof(score) = 'integer' AND score >= 0 AND score <= 1000))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `submission_assignment_user_idx` ON `submission` (`assignment_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `submission_user_id_idx` ON `submission` (`user_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_user` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "user_role_check" CHECK(role IN ('student', 'teacher', 'admin'))
);
--> statement-breakpoint
INSERT INTO `__new_user`("id", "name", "role", "created_at") SELECT "id", "name", "role", "created_at" FROM `user`;--> statement-breakpoint
DROP TABLE `user`;--> statement-breakpoint
ALTER TABLE `__new_user` RENAME TO `user`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `user_name_idx` ON `user` (`name`);--> statement-breakpoint
ALTER TABLE `assignment` ADD `owner_id` text;--> statement-breakpoint
CREATE INDEX `assignment_owner_id_idx` ON `assignment` (`owner_id`);