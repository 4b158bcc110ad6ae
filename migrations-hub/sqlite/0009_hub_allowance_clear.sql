PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_hub_allowance` (
	`class_id` text NOT NULL,
	`user_id` text NOT NULL,
	`daily_tokens` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`class_id`, `user_id`),
	FOREIGN KEY (`class_id`) REFERENCES `hub_class`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `hub_user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_hub_allowance`("class_id", "user_id", "daily_tokens", "updated_at") SELECT "class_id", "user_id", "daily_tokens", "updated_at" FROM `hub_allowance`;--> statement-breakpoint
DROP TABLE `hub_allowance`;--> statement-breakpoint
ALTER TABLE `__new_hub_allowance` RENAME TO `hub_allowance`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `hub_allowance_user_updated_idx` ON `hub_allowance` (`user_id`,`updated_at`);