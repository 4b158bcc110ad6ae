CREATE TABLE "hub_reindex" (
	"name" text PRIMARY KEY NOT NULL,
	"cursor" text,
	"done_at" bigint
);
--> statement-breakpoint
-- Turns stored before search normalized (NFKC and the CJK radicals, attachments/normalize.ts) keep
-- grams of their raw text while queries are normalized: the hub re-computes every turn's grams at
-- its next open, in batches (hub/reindex.ts).
INSERT INTO "hub_reindex" ("name") VALUES ('search_index');
