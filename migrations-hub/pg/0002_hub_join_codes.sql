ALTER TABLE "hub_class" ADD COLUMN "open_join" boolean;--> statement-breakpoint
ALTER TABLE "hub_member" ADD COLUMN "join_code_hash" text;--> statement-breakpoint
ALTER TABLE "hub_member" ADD COLUMN "join_code_old_hash" text;--> statement-breakpoint
ALTER TABLE "hub_member" ADD COLUMN "join_code_issued_at" bigint;--> statement-breakpoint
ALTER TABLE "hub_member" ADD COLUMN "join_code_spent_at" bigint;--> statement-breakpoint
ALTER TABLE "hub_member" ADD COLUMN "join_code_failures" integer DEFAULT 0 NOT NULL;