CREATE TABLE "hub_allowance" (
	"class_id" text NOT NULL,
	"user_id" text NOT NULL,
	"daily_tokens" integer NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "hub_allowance_class_id_user_id_pk" PRIMARY KEY("class_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "hub_assignment" (
	"id" text PRIMARY KEY NOT NULL,
	"class_id" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"due_at" bigint,
	"policy" jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_class" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"code" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "hub_class_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "hub_device" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" bigint NOT NULL,
	"last_seen_at" bigint,
	"revoked_at" bigint
);
--> statement-breakpoint
CREATE TABLE "hub_feedback" (
	"assignment_id" text NOT NULL,
	"user_id" text NOT NULL,
	"grade" text,
	"feedback" text,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "hub_feedback_assignment_id_user_id_pk" PRIMARY KEY("assignment_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "hub_member" (
	"class_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	"student_no" text,
	"joined_at" bigint NOT NULL,
	CONSTRAINT "hub_member_class_id_user_id_pk" PRIMARY KEY("class_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "hub_session" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"device_id" text NOT NULL,
	"assignment_id" text,
	"mode" text NOT NULL,
	"started_at" bigint NOT NULL,
	"meta" jsonb NOT NULL,
	"received_at" bigint NOT NULL,
	"chain_head" text NOT NULL,
	"turn_count" integer NOT NULL,
	"tokens" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_turn" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"user_id" text NOT NULL,
	"parent_id" text,
	"role" text NOT NULL,
	"content" text NOT NULL,
	"model" text,
	"tokens_in" integer NOT NULL,
	"tokens_out" integer NOT NULL,
	"cost" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	"received_at" bigint NOT NULL,
	"meta" jsonb NOT NULL,
	"hash" text NOT NULL,
	"hint_level" smallint,
	"flagged" boolean DEFAULT false NOT NULL,
	"grams" text[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_user" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "hub_allowance" ADD CONSTRAINT "hub_allowance_class_id_hub_class_id_fk" FOREIGN KEY ("class_id") REFERENCES "public"."hub_class"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_allowance" ADD CONSTRAINT "hub_allowance_user_id_hub_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."hub_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_assignment" ADD CONSTRAINT "hub_assignment_class_id_hub_class_id_fk" FOREIGN KEY ("class_id") REFERENCES "public"."hub_class"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_device" ADD CONSTRAINT "hub_device_user_id_hub_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."hub_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_feedback" ADD CONSTRAINT "hub_feedback_assignment_id_hub_assignment_id_fk" FOREIGN KEY ("assignment_id") REFERENCES "public"."hub_assignment"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_feedback" ADD CONSTRAINT "hub_feedback_user_id_hub_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."hub_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_member" ADD CONSTRAINT "hub_member_class_id_hub_class_id_fk" FOREIGN KEY ("class_id") REFERENCES "public"."hub_class"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_member" ADD CONSTRAINT "hub_member_user_id_hub_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."hub_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_session" ADD CONSTRAINT "hub_session_user_id_hub_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."hub_user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hub_turn" ADD CONSTRAINT "hub_turn_session_id_hub_session_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."hub_session"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hub_allowance_user_updated_idx" ON "hub_allowance" USING btree ("user_id","updated_at");--> statement-breakpoint
CREATE INDEX "hub_assignment_class_updated_idx" ON "hub_assignment" USING btree ("class_id","updated_at");--> statement-breakpoint
CREATE INDEX "hub_device_user_idx" ON "hub_device" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "hub_feedback_user_updated_idx" ON "hub_feedback" USING btree ("user_id","updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "hub_member_student_no_idx" ON "hub_member" USING btree ("class_id","student_no");--> statement-breakpoint
CREATE INDEX "hub_member_user_idx" ON "hub_member" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "hub_session_user_idx" ON "hub_session" USING btree ("user_id","started_at");--> statement-breakpoint
CREATE INDEX "hub_session_assignment_idx" ON "hub_session" USING btree ("assignment_id");--> statement-breakpoint
CREATE INDEX "hub_turn_session_idx" ON "hub_turn" USING btree ("session_id","created_at","id");--> statement-breakpoint
CREATE INDEX "hub_turn_user_received_idx" ON "hub_turn" USING btree ("user_id","received_at");--> statement-breakpoint
CREATE INDEX "hub_turn_grams_idx" ON "hub_turn" USING gin ("grams");