/**
 * drizzle-orm's PostgreSQL dialect for the hub, loaded through require() like db/drizzle.ts does
 * for SQLite (the CommonJS build: see why there). Type-only imports are free.
 */
import { createRequire } from 'node:module';
import type * as NodePostgres from 'drizzle-orm/node-postgres';
import type * as NodePostgresMigrator from 'drizzle-orm/node-postgres/migrator';
import type * as PgCore from 'drizzle-orm/pg-core';

const load = createRequire(import.meta.url);

export const { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, smallint, text, uniqueIndex } = load('drizzle-orm/pg-core') as typeof PgCore;
export const { drizzle } = load('drizzle-orm/node-postgres') as typeof NodePostgres;
export const { migrate } = load('drizzle-orm/node-postgres/migrator') as typeof NodePostgresMigrator;
