/**
 * The one write of a `setting` row (the settings document, cache entries, the owner's id), under
 * a write handle. Its value is JSON, as the column's CHECK requires.
 */
import type { WritableDB } from './handles.ts';

export function putSetting(db: WritableDB, key: string, value: unknown): void {
  db.prepare('INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(
    key,
    JSON.stringify(value),
    Date.now(),
  );
}
