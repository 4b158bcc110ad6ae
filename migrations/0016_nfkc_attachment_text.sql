-- Attachment text read before it was normalized (src/main/core/attachments/normalize.ts): a PDF's
-- radicals (⽜顿) become ideographs (牛顿), in the stored text and in the text sent with each
-- message. studylog_normalize_text and studylog_fts_text are registered on the connection (fts.ts).
UPDATE `attachment` SET `text` = studylog_normalize_text(`text`) WHERE `text` <> studylog_normalize_text(`text`);--> statement-breakpoint
UPDATE `turn_attachment` SET `text` = studylog_normalize_text(`text`) WHERE `text` <> studylog_normalize_text(`text`);--> statement-breakpoint
-- The index, rebuilt: every turn's text and its attachments' text are indexed normalized now.
DELETE FROM `turn_fts`;--> statement-breakpoint
INSERT INTO `turn_fts`(rowid, body) SELECT rowid, studylog_fts_text(`content` || coalesce(' ' || (SELECT group_concat(a.`text`, ' ') FROM `turn_attachment` a WHERE a.`turn_id` = `turn`.`id`), '')) FROM `turn`;
