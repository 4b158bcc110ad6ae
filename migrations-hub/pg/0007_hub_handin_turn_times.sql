ALTER TABLE "hub_handin" ADD COLUMN "first_turn_at" bigint;--> statement-breakpoint
ALTER TABLE "hub_handin" ADD COLUMN "last_turn_at" bigint;--> statement-breakpoint
-- The hand-ins stored so far: their bundle's first and last turn times (rounded down to whole ms,
-- as receiveHandin keeps them), each bundle read once. One hand-in at a time, each in its own
-- subtransaction: a bundle PostgreSQL will not read as json (e.g. an unpaired surrogate escape in a
-- message, which JavaScript's JSON accepts) keeps NULL, as does one without turns or with a time
-- beyond what a date can be (±8.64e15 ms), and learner-days.ts then always reads it.
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT id FROM "hub_handin" LOOP
    BEGIN
      UPDATE "hub_handin" h SET "first_turn_at" = floor(c.first_at)::bigint, "last_turn_at" = floor(c.last_at)::bigint
      FROM (
        SELECT min((t ->> 'created_at')::numeric) AS first_at, max((t ->> 'created_at')::numeric) AS last_at
        FROM "hub_handin" b, json_array_elements(b.bundle::json -> 'sessions') s, json_array_elements(s -> 'turns') t
        WHERE b.id = r.id
      ) c
      WHERE h.id = r.id AND c.first_at >= -8640000000000000 AND c.last_at <= 8640000000000000;
    EXCEPTION WHEN others THEN
      NULL;
    END;
  END LOOP;
END $$;
