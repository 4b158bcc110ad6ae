CREATE TABLE "hub_handin" (
	"id" text PRIMARY KEY NOT NULL,
	"assignment_id" text NOT NULL,
	"user_id" text NOT NULL,
	"device_id" text NOT NULL,
	"submission_id" text NOT NULL,
	"bundle" text NOT NULL,
	"bundle_hash" text NOT NULL,
	"submitted_at" bigint NOT NULL,
	"late" boolean NOT NULL,
	"received_at" bigint NOT NULL,
	"verification" jsonb NOT NULL,
	"status" text NOT NULL,
	"score" integer,
	"feedback" text,
	"returned_at" bigint,
	"updated_at" bigint NOT NULL,
	"meta" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_handin_key" (
	"user_id" text PRIMARY KEY NOT NULL,
	"public_key" text NOT NULL,
	"first_seen_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "hub_handin" ADD CONSTRAINT "hub_handin_assignment_id_hub_assignment_id_fk" FOREIGN KEY ("assignment_id") REFERENCES "public"."hub_assignment"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_handin" ADD CONSTRAINT "hub_handin_user_id_hub_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."hub_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_handin_key" ADD CONSTRAINT "hub_handin_key_user_id_hub_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."hub_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "hub_handin_assignment_user_idx" ON "hub_handin" USING btree ("assignment_id","user_id");--> statement-breakpoint
CREATE INDEX "hub_handin_user_updated_idx" ON "hub_handin" USING btree ("user_id","updated_at");