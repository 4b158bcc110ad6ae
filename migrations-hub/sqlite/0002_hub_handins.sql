CREATE TABLE `hub_handin` (
	`id` text PRIMARY KEY NOT NULL,
	`assignment_id` text NOT NULL,
	`user_id` text NOT NULL,
	`device_id` text NOT NULL,
	`submission_id` text NOT NULL,
	`bundle` text NOT NULL,
	`bundle_hash` text NOT NULL,
	`submitted_at` integer NOT NULL,
	`late` integer NOT NULL,
	`received_at` integer NOT NULL,
	`verification` text NOT NULL,
	`status` text NOT NULL,
	`score` integer,
	`feedback` text,
	`returned_at` integer,
	`updated_at` integer NOT NULL,
	`meta` text NOT NULL,
	FOREIGN KEY (`assignment_id`) REFERENCES `hub_assignment`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `hub_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_handin_assignment_user_idx` ON `hub_handin` (`assignment_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `hub_handin_user_updated_idx` ON `hub_handin` (`user_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `hub_handin_key` (
	`user_id` text PRIMARY KEY NOT NULL,
	`public_key` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `hub_user`(`id`) ON UPDATE no action ON DELETE cascade
);
