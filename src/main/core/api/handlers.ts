/**
 * What each route does, given a validated input and an authenticated caller. Handlers stay thin:
 * the work is in the repositories and services. Owner-or-admin applies to every session and turn
 * (another user's session is "not found", so ids cannot be probed).
 */
import type { z } from 'zod';
import type { CursorPage, ProxyStreamEvent, Session } from '../../../shared/api/schemas.ts';
import type { RouteName, Routes, StreamRouteName, UnaryRouteName } from '../../../shared/api/routes.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { Core } from '../app.ts';
import { canSee, type Caller } from '../caller.ts';
import { exportSessions } from '../export.ts';

type In<N extends RouteName> = z.output<Routes[N]['input']>;
/** A cursor route's handler returns the page and its next cursor; dispatch splits them. */
type Out<N extends RouteName> = Routes[N] extends { cursor: true } ? CursorPage<z.input<Routes[N]['output']> extends (infer T)[] ? T : never> : z.input<Routes[N]['output']>;

export type UnaryHandlers = { [N in UnaryRouteName]: (core: Core, caller: Caller, input: In<N>, signal?: AbortSignal) => Out<N> | Promise<Out<N>> };
export type StreamHandlers = { [N in StreamRouteName]: (core: Core, caller: Caller, input: In<N>, signal: AbortSignal) => AsyncIterable<ProxyStreamEvent> };

function visibleSession(core: Core, caller: Caller, id: string): Session {
  const session = core.sessions.getSessionById(id);
  if (!session || !canSee(caller, session.user_id)) throw new ApiError('not_found', `There is no session '${id}'.`);
  return session;
}

/** A user_id in a query: admins may name anyone; others only themselves. */
function subject(caller: Caller, userId: string | undefined): string {
  if (!userId || userId === caller.user_id) return caller.user_id;
  if (caller.role !== 'admin') throw new ApiError('forbidden', "Only an admin may read another user's data.");
  return userId;
}

function found<T>(value: T | null, what: string): T {
  if (value === null) throw new ApiError('not_found', `There is no ${what}.`);
  return value;
}

export const unaryHandlers: UnaryHandlers = {
  sendProxyMessage: (core, caller, input, signal) => core.proxy.send(caller, input, signal),

  getUserSessions: (core, caller, { skip, limit, user_id, ...filters }) => core.sessions.getSessionsByUserId(subject(caller, user_id), { skip, limit }, filters),
  getSession: (core, caller, { id }) => visibleSession(core, caller, id),
  updateSession: (core, caller, { id, title, meta, ended_at }) => {
    const session = visibleSession(core, caller, id);
    const nextMeta = meta || title ? { ...session.meta, ...meta, ...(title ? { title } : {}) } : undefined;
    return found(core.sessions.updateSessionById(id, { ...(nextMeta ? { meta: nextMeta } : {}), ...(ended_at !== undefined ? { ended_at } : {}) }), `session '${id}'`);
  },
  deleteSession: (core, caller, { id }) => {
    visibleSession(core, caller, id);
    core.sessions.deleteSessionById(id);
    return { deleted: true };
  },
  getSessionTurns: (core, caller, { id, limit, cursor }) => {
    visibleSession(core, caller, id);
    return core.turns.getTurnsBySessionIdPage(id, { limit, ...(cursor ? { cursor } : {}) });
  },
  getTurns: (core, caller, { from, to, user_id, limit, cursor }) => core.turns.getTurnsByUserAndDatePage(subject(caller, user_id), from, to, { limit, ...(cursor ? { cursor } : {}) }),
  searchTurns: (core, caller, { q, skip, limit }) => core.turns.searchTurns(caller.user_id, q, { skip, limit }),
  getUsage: (core, caller, { from, to, group, tz_offset_minutes, user_id }) => core.usage.report(subject(caller, user_id), { from, to }, group, tz_offset_minutes),
  exportSessions: (core, caller, input) => exportSessions(core, caller, input),

  listAssignments: (core) => core.assignments.list(),
  getAssignment: (core, _caller, { id }) => found(core.assignments.get(id), `assignment '${id}'`),
  createAssignment: (core, _caller, input) => core.assignments.create(input),
  updateAssignment: (core, _caller, { id, ...patch }) => found(core.assignments.update(id, patch), `assignment '${id}'`),
  deleteAssignment: (core, _caller, { id }) => {
    if (!core.assignments.delete(id)) throw new ApiError('not_found', `There is no assignment '${id}'.`);
    return { deleted: true };
  },
  importAssignments: (core, _caller, { assignments }) => core.assignments.import(assignments),

  listModels: async (core) => {
    const providers = await core.providers.info();
    return {
      providers: await Promise.all(
        providers.map(async (p) => {
          try {
            const list = await core.providers.listModels(p.id);
            return { id: p.id, name: p.name, kind: p.kind, base_url: p.base_url, key_status: p.key_status, models: list.models, cached: list.cached, error: null };
          } catch (error) {
            // Offline with nothing cached: the configured list still lets the student pick a model.
            const e = error instanceof ApiError ? error : new ApiError('upstream_error', 'The provider could not be asked for its models.');
            return { id: p.id, name: p.name, kind: p.kind, base_url: p.base_url, key_status: p.key_status, models: p.models, cached: true, error: { code: e.code, detail: e.detail } };
          }
        }),
      ),
    };
  },
  getMe: (core, caller) => found(core.users.getUser(caller.user_id), 'such user'),

  getSettings: (core) => core.settings.get(),
  updateSettings: async (core, _caller, patch) => {
    const before = new Map(core.settings.get().providers.map((p) => [p.id, p.base_url]));
    const after = core.settings.update(patch);
    // A stored key goes only where it was stored for: moving a provider elsewhere forgets it, so
    // an admin token cannot redirect the key to another host.
    for (const p of after.providers) {
      if (p.api_key_ref.source === 'keychain' && before.has(p.id) && before.get(p.id) !== p.base_url) await core.providers.deleteApiKey(p.id).catch(() => false);
    }
    return after;
  },
  setProviderKey: async (core, _caller, { id, api_key }) => {
    await core.providers.setApiKey(id, api_key);
    return { key_status: 'set' as const };
  },
  deleteProviderKey: async (core, _caller, { id }) => ({ deleted: await core.providers.deleteApiKey(id) }),
  testProvider: async (core, _caller, { id }) => {
    try {
      const list = await core.providers.listModels(id);
      if (list.cached) return { ok: false, models: list.models, error: { code: 'upstream_unreachable', detail: 'The provider could not be reached; this is the last list seen.' } };
      return { ok: true, models: list.models, error: null };
    } catch (error) {
      if (!(error instanceof ApiError) || error.code === 'not_found') throw error;
      return { ok: false, models: [], error: { code: error.code, detail: error.detail } };
    }
  },

  listTokens: (core) => core.users.listTokens(),
  createToken: (core, _caller, input) => core.users.createToken(input),
  revokeToken: (core, _caller, { id }) => found(core.users.revokeToken(id), `token '${id}'`),

  health: () => ({ status: 'ok' as const }),
};

export const streamHandlers: StreamHandlers = {
  streamProxyMessage: (core, caller, input, signal) => core.proxy.stream(caller, input, signal),
};
