/**
 * The server state every screen shares — settings, models, assignments — as hooks over the query
 * cache (data/): each screen reads what it shows, and a write through the cache refreshes it.
 */
import type { RouteOutput } from '../../../shared/api/routes.ts';
import type { Assignment, Settings } from '../../../shared/api/schemas.ts';
import type { WriteOptions } from '../data/cache.ts';
import { useApiCache, useRouteQuery, type RouteQuery } from '../data/queries.tsx';
import type { UiError } from '../lib/errors.ts';
import { useIdentity } from './identity.tsx';

export type ModelsInfo = RouteOutput<'listModels'>;

/** The settings: null until loaded, and for students (settings are the admin's). */
export function useSettings(): { settings: Settings | null; error: UiError | null } {
  const { isAdmin } = useIdentity();
  const query = useRouteQuery('getSettings', {}, { enabled: isAdmin });
  return { settings: isAdmin ? (query.data ?? null) : null, error: query.error };
}

/**
 * Saves a change to the settings; resolves with them as saved (the cache has them then too) and,
 * unless `{ settle: false }`, once what the change makes stale (the models) is fresh again.
 */
export function useSaveSettings(): (patch: Partial<Settings>, options?: WriteOptions) => Promise<Settings> {
  const cache = useApiCache();
  return (patch, options) => cache.write('updateSettings', patch, options);
}

/** The providers and the models each mode may use (GET /models): null until loaded. */
export function useModels(): RouteQuery<ModelsInfo> & { models: ModelsInfo | null } {
  const query = useRouteQuery('listModels', {});
  return { ...query, models: query.data ?? null };
}

export function useAssignments(): { assignments: Assignment[]; error: UiError | null } {
  const query = useRouteQuery('listAssignments', {});
  return { assignments: query.data ?? [], error: query.error };
}
