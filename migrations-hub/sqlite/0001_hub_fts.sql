-- Search on the SQLite hub: FTS5 over the same bigram text as the desktop (core/db/fts.ts ftsText),
-- written by the hub store at ingest (no trigger: the text is computed in JavaScript).
CREATE VIRTUAL TABLE hub_turn_fts USING fts5(turn_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2');
