/**
 * drizzle-orm's runtime, loaded through require(). Node 24's ESM loader reads a package's
 * package.json again for every module it loads from it, and drizzle-orm's is 178 KB with 447
 * export entries: importing drizzle as ESM left ~120 MB of extra RSS and took ~250 ms, its
 * CommonJS build (the same code) ~10 MB and ~50 ms (bench/NOTES.md, B4). Every runtime use of
 * drizzle goes through this module (a lint rule keeps it so); type-only imports are free.
 */
import { createRequire } from 'node:module';
import type * as Core from 'drizzle-orm';
import type * as BetterSqlite3Driver from 'drizzle-orm/better-sqlite3';
import type * as BetterSqlite3Migrator from 'drizzle-orm/better-sqlite3/migrator';
import type * as Migrator from 'drizzle-orm/migrator';
import type * as SqliteCore from 'drizzle-orm/sqlite-core';

// Not named `require`: the bundled main process (electron-vite) declares its own.
const load = createRequire(import.meta.url);

export const { and, asc, count, desc, eq, gte, inArray, lt, or, sql } = load('drizzle-orm') as typeof Core;
export const { blob, check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } = load('drizzle-orm/sqlite-core') as typeof SqliteCore;
export const { drizzle } = load('drizzle-orm/better-sqlite3') as typeof BetterSqlite3Driver;
export const { migrate } = load('drizzle-orm/better-sqlite3/migrator') as typeof BetterSqlite3Migrator;
export const { readMigrationFiles } = load('drizzle-orm/migrator') as typeof Migrator;
