ALTER TABLE `hub_session` ADD `messages` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_session` ADD `title` text;--> statement-breakpoint
-- The dashboard counted the title calls (system turns) among a session's messages and tokens:
-- recompute both for the rows stored so far as push now keeps them — messages are the student's and
-- the AI's turns, tokens the answers' (role assistant) — and each session's title, for search (the
-- latest title call's text, as the session view shows it).
UPDATE `hub_session` SET
  `messages` = (SELECT count(*) FROM `hub_turn` t WHERE t.session_id = hub_session.id AND t.role <> 'system'),
  `tokens` = (SELECT coalesce(sum(t.tokens_in + t.tokens_out), 0) FROM `hub_turn` t WHERE t.session_id = hub_session.id AND t.role = 'assistant'),
  `title` = (
    SELECT substr(t.content, 1, 500) FROM `hub_turn` t
    WHERE t.session_id = hub_session.id AND t.role = 'system' AND CASE WHEN json_valid(t.meta) THEN json_extract(t.meta, '$.purpose') = 'title' ELSE 0 END
    ORDER BY t.created_at DESC, t.id DESC LIMIT 1
  );
