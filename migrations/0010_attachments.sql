CREATE TABLE `attachment` (
	`sha256` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`mime` text NOT NULL,
	`bytes` integer NOT NULL,
	`width` integer,
	`height` integer,
	`pages` integer,
	`text` text DEFAULT '' NOT NULL,
	`data` blob NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "attachment_kind_check" CHECK(kind IN ('image', 'pdf')),
	CONSTRAINT "attachment_sha256_check" CHECK(length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
	CONSTRAINT "attachment_bytes_check" CHECK(typeof(bytes) = 'integer' AND bytes = length(data))
);
--> statement-breakpoint
CREATE TABLE `attachment_owner` (
	`user_id` text NOT NULL,
	`sha256` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `sha256`),
	FOREIGN KEY (`sha256`) REFERENCES `attachment`(`sha256`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `attachment_owner_sha256_idx` ON `attachment_owner` (`sha256`);--> statement-breakpoint
CREATE TABLE `turn_attachment` (
	`turn_id` text NOT NULL,
	`position` integer NOT NULL,
	`sha256` text NOT NULL,
	`name` text NOT NULL,
	`text` text DEFAULT '' NOT NULL,
	PRIMARY KEY(`turn_id`, `position`),
	FOREIGN KEY (`turn_id`) REFERENCES `turn`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`sha256`) REFERENCES `attachment`(`sha256`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `turn_attachment_sha256_idx` ON `turn_attachment` (`sha256`);--> statement-breakpoint
-- A deleted message (its session deleted) takes its attachments with it once no other message uses them.
CREATE TRIGGER `turn_attachment_after_delete` AFTER DELETE ON `turn_attachment`
WHEN NOT EXISTS (SELECT 1 FROM `turn_attachment` WHERE `sha256` = old.`sha256`) BEGIN
  DELETE FROM `attachment` WHERE `sha256` = old.`sha256`;
END;
