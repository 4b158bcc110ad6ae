-- Full-text index over turn.content. Contentless (the text lives once, in `turn`); its rowid is
-- turn's rowid. The indexed text is studylog_fts_text(content): CJK runs split into overlapping
-- bigrams, so two-character Chinese words match; other scripts go through unicode61 as words.
-- The sync triggers are installed and verified by the app on every open (src/main/core/db/fts.ts),
-- because a table rebuild in a later migration would silently drop triggers defined here.
CREATE VIRTUAL TABLE `turn_fts` USING fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
