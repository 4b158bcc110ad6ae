ALTER TABLE `hub_class` ADD `open_join` integer;--> statement-breakpoint
ALTER TABLE `hub_member` ADD `join_code_hash` text;--> statement-breakpoint
ALTER TABLE `hub_member` ADD `join_code_old_hash` text;--> statement-breakpoint
ALTER TABLE `hub_member` ADD `join_code_issued_at` integer;--> statement-breakpoint
ALTER TABLE `hub_member` ADD `join_code_spent_at` integer;--> statement-breakpoint
ALTER TABLE `hub_member` ADD `join_code_failures` integer DEFAULT 0 NOT NULL;