CREATE TABLE `hub_allowance` (
	`class_id` text NOT NULL,
	`user_id` text NOT NULL,
	`daily_tokens` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`class_id`, `user_id`),
	FOREIGN KEY (`class_id`) REFERENCES `hub_class`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `hub_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `hub_allowance_user_updated_idx` ON `hub_allowance` (`user_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `hub_assignment` (
	`id` text PRIMARY KEY NOT NULL,
	`class_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`due_at` integer,
	`policy` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`class_id`) REFERENCES `hub_class`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `hub_assignment_class_updated_idx` ON `hub_assignment` (`class_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `hub_class` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`code` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_class_code_unique` ON `hub_class` (`code`);--> statement-breakpoint
CREATE TABLE `hub_device` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `hub_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `hub_device_user_idx` ON `hub_device` (`user_id`);--> statement-breakpoint
CREATE TABLE `hub_feedback` (
	`assignment_id` text NOT NULL,
	`user_id` text NOT NULL,
	`grade` text,
	`feedback` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`assignment_id`, `user_id`),
	FOREIGN KEY (`assignment_id`) REFERENCES `hub_assignment`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `hub_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `hub_feedback_user_updated_idx` ON `hub_feedback` (`user_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `hub_member` (
	`class_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`student_no` text,
	`joined_at` integer NOT NULL,
	PRIMARY KEY(`class_id`, `user_id`),
	FOREIGN KEY (`class_id`) REFERENCES `hub_class`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `hub_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_member_student_no_idx` ON `hub_member` (`class_id`,`student_no`);--> statement-breakpoint
CREATE INDEX `hub_member_user_idx` ON `hub_member` (`user_id`);--> statement-breakpoint
CREATE TABLE `hub_session` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`device_id` text NOT NULL,
	`assignment_id` text,
	`mode` text NOT NULL,
	`started_at` integer NOT NULL,
	`meta` text NOT NULL,
	`received_at` integer NOT NULL,
	`chain_head` text NOT NULL,
	`turn_count` integer NOT NULL,
	`tokens` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `hub_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `hub_session_user_idx` ON `hub_session` (`user_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `hub_session_assignment_idx` ON `hub_session` (`assignment_id`);--> statement-breakpoint
CREATE TABLE `hub_turn` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`user_id` text NOT NULL,
	`parent_id` text,
	`role` text NOT NULL,
	`content` text NOT NULL,
	`model` text,
	`tokens_in` integer NOT NULL,
	`tokens_out` integer NOT NULL,
	`cost` integer NOT NULL,
	`created_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`meta` text NOT NULL,
	`hash` text NOT NULL,
	`hint_level` integer,
	`flagged` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `hub_session`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `hub_turn_session_idx` ON `hub_turn` (`session_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `hub_turn_user_received_idx` ON `hub_turn` (`user_id`,`received_at`);--> statement-breakpoint
CREATE TABLE `hub_user` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL
);
