CREATE TABLE `learner_day` (
	`user_id` text NOT NULL,
	`day` text NOT NULL,
	`summary` text NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `day`),
	CONSTRAINT "learner_day_summary_check" CHECK(json_valid(summary) AND json_type(summary) = 'object')
);
