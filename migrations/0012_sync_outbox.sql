CREATE TABLE `sync_outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`session_id` text NOT NULL,
	`item_id` text NOT NULL,
	`payload` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`enqueued_at` integer NOT NULL,
	`acked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sync_outbox_item_id_unique` ON `sync_outbox` (`item_id`);--> statement-breakpoint
CREATE INDEX `sync_outbox_session_idx` ON `sync_outbox` (`session_id`,`seq`);--> statement-breakpoint
CREATE INDEX `sync_outbox_pending_idx` ON `sync_outbox` (`acked_at`,`seq`);