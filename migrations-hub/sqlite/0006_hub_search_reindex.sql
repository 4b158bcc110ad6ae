CREATE TABLE `hub_reindex` (
	`name` text PRIMARY KEY NOT NULL,
	`cursor` text,
	`done_at` integer
);
--> statement-breakpoint
-- Turns stored before the hub's FTS text was normalized (NFKC and the CJK radicals,
-- attachments/normalize.ts) keep their raw text in hub_turn_fts while queries are normalized: the
-- hub re-computes every turn's FTS text at its next open, in batches (hub/reindex.ts).
INSERT INTO `hub_reindex` (`name`) VALUES ('search_index');
