ALTER TABLE "hub_handin" ADD COLUMN "first_turn_at" bigint;--> statement-breakpoint
ALTER TABLE "hub_handin" ADD COLUMN "last_turn_at" bigint;--> statement-breakpoint
-- The hand-ins stored so far: their bundle's first and last turn times (rounded down to whole ms,
-- as receiveHandin keeps them), each bundle read once. One hand-in at a time, each in its own
-- subtransaction: a bundle PostgreSQL will not read as json keeps NULL, as does one without turns
-- or with a time beyond what a date can be (±8.64e15 ms), and learner-days.ts then always reads it.
-- The escapes JavaScript's JSON takes and PostgreSQL's does not — a NUL character (`\u0000`) and an
-- unpaired surrogate (`\ud800`) in a message — are read as spaces (`\u0020`), every surrogate escape
-- (a pair too): still JSON, and only the turns' times are read.
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT id FROM "hub_handin" LOOP
    BEGIN
      UPDATE "hub_handin" h SET "first_turn_at" = floor(c.first_at)::bigint, "last_turn_at" = floor(c.last_at)::bigint
      FROM (
        SELECT min((t ->> 'created_at')::numeric) AS first_at, max((t ->> 'created_at')::numeric) AS last_at
        FROM "hub_handin" b, json_array_elements(regexp_replace(b.bundle, '\\u(0000|[dD][89abAB][0-9a-fA-F]{2})', '\u0020', 'g')::json -> 'sessions') s, json_array_elements(s -> 'turns') t
        WHERE b.id = r.id
      ) c
      WHERE h.id = r.id AND c.first_at >= -8640000000000000 AND c.last_at <= 8640000000000000;
    EXCEPTION WHEN others THEN
      NULL;
    END;
  END LOOP;
END $$;
