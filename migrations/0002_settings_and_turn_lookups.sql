-- drizzle-kit 0.31 splits an expression index on its commas and quotes the pieces; the two
-- CREATE INDEX lines below were corrected by hand (tests/integration/schema.test.ts checks them).
CREATE TABLE `setting` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "setting_value_check" CHECK(json_valid(value))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `turn_client_request_id_idx` ON `turn` (json_extract(meta, '$.client_request_id')) WHERE json_extract(meta, '$.client_request_id') IS NOT NULL;--> statement-breakpoint
CREATE INDEX `turn_open_status_idx` ON `turn` (json_extract(meta, '$.status')) WHERE json_extract(meta, '$.status') IN ('pending', 'streaming');