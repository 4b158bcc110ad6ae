ALTER TABLE "hub_session" ADD COLUMN "messages" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "hub_session" ADD COLUMN "title" text;--> statement-breakpoint
-- The dashboard counted the title calls (system turns) among a session's messages and tokens:
-- recompute both for the rows stored so far as push now keeps them — messages are the student's and
-- the AI's turns, tokens the answers' (role assistant) — and each session's title (the latest title
-- call's text, as the session view shows it, for search), in one pass over hub_turn.
UPDATE "hub_session" s SET "messages" = c.messages, "tokens" = c.tokens, "title" = c.title
FROM (
  SELECT session_id, count(*) FILTER (WHERE role <> 'system') AS messages,
    coalesce(sum(tokens_in + tokens_out) FILTER (WHERE role = 'assistant'), 0) AS tokens,
    (array_agg(substr(content, 1, 500) ORDER BY created_at DESC, id DESC) FILTER (WHERE role = 'system' AND meta ->> 'purpose' = 'title'))[1] AS title
  FROM "hub_turn" GROUP BY session_id
) c
WHERE c.session_id = s.id;
