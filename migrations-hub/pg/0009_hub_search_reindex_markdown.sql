-- Search joins a Chinese run across Markdown's inline markers (`**叶绿体**中` is found by 叶绿体中:
-- db/fts.ts joinMarkup): turns stored before keep grams of the split runs. The re-index of
-- hub/reindex.ts runs again from the start at the next `hub serve`, in batches in the background,
-- rewriting only the turns whose grams change.
UPDATE "hub_reindex" SET "cursor" = NULL, "done_at" = NULL WHERE "name" = 'search_index';
