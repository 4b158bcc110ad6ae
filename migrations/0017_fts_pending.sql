-- Full-text indexing leaves the message's write (src/main/core/db/fts.ts, fts-indexer.ts): the
-- triggers on `turn` and `turn_attachment` only note the turn's rowid here, and the indexer
-- indexes every noted turn in one write later (in the background, before any search reads
-- turn_fts, and at open). The app replaces the triggers on its next open (derived.ts); the
-- index itself stays valid, since the triggers they replace kept it in step until now.
CREATE TABLE `turn_fts_pending` (`turn_rowid` integer PRIMARY KEY NOT NULL);
