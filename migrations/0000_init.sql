CREATE TABLE `session` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`assignment_id` text,
	`mode` text NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`policy_snapshot` text NOT NULL,
	`meta` text NOT NULL,
	CONSTRAINT "session_mode_check" CHECK(mode IN ('chat', 'homework', 'deep_think')),
	CONSTRAINT "session_times_check" CHECK(typeof(started_at) = 'integer' AND started_at >= 0 AND (ended_at IS NULL OR (typeof(ended_at) = 'integer' AND ended_at >= started_at))),
	CONSTRAINT "session_policy_snapshot_check" CHECK(json_valid(policy_snapshot) AND json_type(policy_snapshot) = 'object'),
	CONSTRAINT "session_meta_check" CHECK(json_valid(meta) AND json_type(meta) = 'object')
);
--> statement-breakpoint
CREATE INDEX `session_user_id_started_at_idx` ON `session` (`user_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `session_assignment_id_idx` ON `session` (`assignment_id`);--> statement-breakpoint
CREATE TABLE `turn` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`role` text NOT NULL,
	`content` text NOT NULL,
	`tool_calls` text,
	`model` text,
	`tokens_in` integer DEFAULT 0 NOT NULL,
	`tokens_out` integer DEFAULT 0 NOT NULL,
	`cost` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`meta` text NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `session`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "turn_role_check" CHECK(role IN ('user', 'assistant', 'system')),
	CONSTRAINT "turn_tokens_check" CHECK(typeof(tokens_in) = 'integer' AND tokens_in >= 0 AND typeof(tokens_out) = 'integer' AND tokens_out >= 0),
	CONSTRAINT "turn_cost_check" CHECK(typeof(cost) = 'integer' AND cost >= 0),
	CONSTRAINT "turn_created_at_check" CHECK(typeof(created_at) = 'integer' AND created_at >= 0),
	CONSTRAINT "turn_tool_calls_check" CHECK(tool_calls IS NULL OR (json_valid(tool_calls) AND json_type(tool_calls) = 'array')),
	CONSTRAINT "turn_meta_check" CHECK(json_valid(meta) AND json_type(meta) = 'object')
);
--> statement-breakpoint
CREATE INDEX `turn_session_id_created_at_idx` ON `turn` (`session_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `turn_created_at_idx` ON `turn` (`created_at`);