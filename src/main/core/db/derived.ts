/**
 * Tables derived from `turn` by triggers: the full-text index, the usage buckets and days. A migration
 * that rebuilds `turn` or `session` (drizzle-kit's copy-drop-rename) silently drops their
 * triggers, so on every open the triggers are compared with their definitions here, re-created
 * where missing or different, and the derived table rebuilt from scratch when that happened.
 */
import type Database from 'better-sqlite3';
import { hasTable } from './handles.ts';
import { ATTACHMENT_FTS_TRIGGERS, ATTACHMENT_FTS_TRIGGERS_BEFORE_PENDING, FTS_TRIGGERS, FTS_TRIGGERS_BEFORE_PENDING, hasPendingTable, rebuildFtsIndex } from './fts.ts';
import { rebuildUsageBuckets, rebuildUsageDays, USAGE_DAY_OFFSET_KEY, USAGE_TRIGGERS, usageDayOffset, usageDayTriggers } from './usage-rollup.ts';

interface Derived {
  table: string;
  triggers(db: Database.Database): Record<string, string>;
  /**
   * Definitions an earlier version installed that kept the table in step as well (only their way
   * of doing it changed): replacing one of these re-creates the trigger without a rebuild.
   */
  previous?: Record<string, string>;
  rebuild(db: Database.Database): void;
}

const DERIVED: Derived[] = [
  // Before migration fts_pending the triggers index in place (fts.ts), after it they note the turn.
  {
    table: 'turn_fts',
    triggers: (db) => (hasPendingTable(db) ? FTS_TRIGGERS : FTS_TRIGGERS_BEFORE_PENDING),
    previous: FTS_TRIGGERS_BEFORE_PENDING,
    rebuild: rebuildFtsIndex,
  },
  { table: 'usage_bucket', triggers: () => USAGE_TRIGGERS, rebuild: rebuildUsageBuckets },
  {
    table: 'turn_attachment',
    triggers: (db) => (hasPendingTable(db) ? ATTACHMENT_FTS_TRIGGERS : ATTACHMENT_FTS_TRIGGERS_BEFORE_PENDING),
    previous: ATTACHMENT_FTS_TRIGGERS_BEFORE_PENDING,
    rebuild: rebuildFtsIndex,
  },
  // Its triggers are written for one offset: another offset means other triggers and a rebuild.
  {
    table: 'usage_day',
    triggers: (db) => usageDayTriggers(usageDayOffset(db)),
    rebuild: (db) => {
      const offset = usageDayOffset(db);
      rebuildUsageDays(db, offset);
      db.prepare('INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(
        USAGE_DAY_OFFSET_KEY,
        JSON.stringify(offset),
        Date.now(),
      );
    },
  },
];

/**
 * Returns the names of the triggers it (re)created; their tables are rebuilt (unless every one was
 * an earlier version's equivalent: Derived.previous).
 */
export function ensureDerivedTables(db: Database.Database): string[] {
  const existing = new Map((db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as { name: string; sql: string }[]).map((r) => [r.name, r.sql]));
  const repaired: string[] = [];
  for (const derived of DERIVED) {
    // Absent only on a database stopped before the migration that creates it (a test's partial folder).
    if (!hasTable(db, derived.table)) continue;
    let changed = false;
    for (const [name, sql] of Object.entries(derived.triggers(db))) {
      const found = existing.get(name);
      if (found === sql) continue;
      if (found !== undefined) db.exec(`DROP TRIGGER ${name}`);
      db.exec(sql);
      repaired.push(name);
      if (found === undefined || derived.previous?.[name] !== found) changed = true;
    }
    if (changed) derived.rebuild(db);
  }
  return repaired;
}
