-- A file a hand-in's answer names (submission.meta.answer_files) stays when the last message that carried it goes.
DROP TRIGGER IF EXISTS `turn_attachment_after_delete`;--> statement-breakpoint
CREATE TRIGGER `turn_attachment_after_delete` AFTER DELETE ON `turn_attachment`
WHEN NOT EXISTS (SELECT 1 FROM `turn_attachment` WHERE `sha256` = old.`sha256`)
  AND NOT EXISTS (SELECT 1 FROM `submission` s, json_each(s.meta, '$.answer_files') f WHERE json_extract(f.value, '$.sha256') = old.`sha256`) BEGIN
  DELETE FROM `attachment` WHERE `sha256` = old.`sha256`;
END;
