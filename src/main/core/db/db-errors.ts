import type Database from 'better-sqlite3';
import { ApiError } from '../../../shared/errors.ts';

/**
 * Runs a database call and turns SQLite's failures into ApiErrors with a stable code. A failed
 * write inside better-sqlite3 rolls back its statement or transaction, so nothing half-written stays.
 */
export function withDbErrors<T>(action: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toApiError(action, error);
  }
}

/**
 * Runs `fn` in one transaction with the same mapping. In WAL mode the pages reach the disk at
 * COMMIT, so a read-only, full or failing disk shows up there, outside the statements inside:
 * mapping only those would let the COMMIT's SqliteError escape as an internal error.
 */
export function inTransaction<T>(sqlite: Database.Database, action: string, fn: () => T): T {
  return withDbErrors(action, () => sqlite.transaction(fn)());
}

export function toApiError(action: string, error: unknown): unknown {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new ApiError('not_found', `Could not ${action}: the session it belongs to does not exist.`);
  // Two requests racing for the same unique key (a client_request_id, an id): the later one conflicts.
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new ApiError('conflict', `Could not ${action}: it already exists.`);
  if (code.startsWith('SQLITE_CONSTRAINT')) return new ApiError('validation_error', `Could not ${action}: ${message}.`);
  if (code === 'SQLITE_FULL') return new ApiError('db_unavailable', `Could not ${action}: the disk is full. Nothing was written.`);
  if (code.startsWith('SQLITE_READONLY')) return new ApiError('db_unavailable', `Could not ${action}: the database is read-only. Nothing was written.`);
  if (code.startsWith('SQLITE_BUSY')) return new ApiError('db_unavailable', `Could not ${action}: the database is busy. Try again.`);
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) {
    return new ApiError('db_unavailable', `Could not ${action}: the database could not be read or written (${message}).`);
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new ApiError('db_corrupt', `Could not ${action}: the database is damaged (${message}).`);
  return error;
}
