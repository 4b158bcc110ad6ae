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
import { teaches } from '../handin/handin.service.ts';
import { exportSessions } from '../export.ts';
import { Outbox } from '../sync/outbox.ts';
import { assignmentStatus } from '../llm/assignment-policy.ts';
import { destinationChanges } from '../settings/destinations.ts';
import { SERVER_TOKEN_NAMES } from '../../../shared/token-names.ts';
import { childrenOf, inConversation, newestLeafUnder } from '../../../shared/turn-tree.ts';

type In<N extends RouteName> = z.output<Routes[N]['input']>;
/** A cursor route's handler returns the page and its next cursor; dispatch splits them. */
type Out<N extends RouteName> = Routes[N] extends { cursor: true } ? CursorPage<z.input<Routes[N]['output']> extends (infer T)[] ? T : never> : z.input<Routes[N]['output']>;

/** What a call may reach of the transport it came by. */
export interface CallContext {
  /** The caller's streams on this face (a window's over IPC, a user's over HTTP); null outside a transport. */
  streams: { stop(streamId: string): boolean } | null;
}

export type UnaryHandlers = {
  [N in UnaryRouteName]: (core: Core, caller: Caller, input: In<N>, signal: AbortSignal | undefined, context: CallContext) => Out<N> | Promise<Out<N>>;
};
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

/** The newest leaf below a turn of the session: where switching to that version lands (src/shared/turn-tree.ts). */
function branchLeaf(core: Core, sessionId: string, turnId: string): string {
  const turns = core.turns.getTurnsBySessionId(sessionId);
  const turn = turns.find((t) => t.id === turnId);
  if (!turn || !inConversation(turn)) throw new ApiError('not_found', `There is no message or answer '${turnId}' in session '${sessionId}'.`);
  return newestLeafUnder(turn, childrenOf(turns)).id;
}

/** Refuses what only the owner of this installation, at this computer, may do. */
function ownerAtThisComputer(caller: Caller, what: string): void {
  if (!caller.local_owner)
    throw new ApiError('forbidden', `Only the owner of this installation, at this computer (the desktop app, or a local owner token from this machine), may ${what}.`);
}

/** A teacher sees only the assignments they own; everyone else sees all. */
function visibleAssignment(core: Core, caller: Caller, id: string) {
  const assignment = core.assignments.get(id);
  if (!assignment || (caller.role === 'teacher' && !teaches(caller, assignment))) throw new ApiError('not_found', `There is no assignment '${id}'.`);
  return assignment;
}

/** An assignment the caller may change: a teacher's own, or any for an admin. */
function taughtAssignment(core: Core, caller: Caller, id: string) {
  const assignment = core.assignments.get(id);
  if (!assignment || !teaches(caller, assignment)) throw new ApiError('not_found', `There is no assignment '${id}'${caller.role === 'teacher' ? ' of yours' : ''}.`);
  return assignment;
}

/**
 * An assignment that came from a class hub (meta.hub_class_id) belongs to the hub: its teacher
 * sets it there, and sync re-applies the hub's copy at every pull. Nobody changes or deletes it
 * here — not a student (who could loosen its AI rules), not a local teacher or admin either.
 */
function notFromHub(assignment: { id: string; meta: Record<string, unknown> }): void {
  if (typeof assignment.meta.hub_class_id === 'string')
    throw new ApiError('hub_managed', `Assignment '${assignment.id}' is set by your teacher on the class hub; it cannot be changed or deleted here.`);
}

function found<T>(value: T | null, what: string): T {
  if (value === null) throw new ApiError('not_found', `There is no ${what}.`);
  return value;
}

export const unaryHandlers: UnaryHandlers = {
  sendProxyMessage: (core, caller, input, signal) => core.proxy.send(caller, input, signal),
  // The stream then ends by itself with `done` (the partial answer, 'aborted'), to whoever reads it.
  stopProxyStream: (_core, _caller, { id }, _signal, { streams }) => ({ stopped: streams?.stop(id) ?? false }),

  uploadAttachment: (core, caller, input) => core.attachments.upload(caller, input),
  getAttachment: (core, caller, { sha256, thumbnail }) => core.attachments.get(caller, sha256, thumbnail === '1' || thumbnail === 'true'),

  getUserSessions: (core, caller, { skip, limit, user_id, ...filters }) => core.sessions.getSessionsByUserId(subject(caller, user_id), { skip, limit }, filters),
  getSession: (core, caller, { id, include }) => {
    const session = visibleSession(core, caller, id);
    if (include !== 'hub_shared_at') return session;
    // What the class hub holds of it (the delete dialog warns that the teacher keeps that copy).
    const sharedAt = new Outbox(core.store).sharedAt(id);
    return sharedAt === null ? session : { ...session, hub_shared_at: sharedAt };
  },
  updateSession: (core, caller, { id, title, meta, ended_at }) =>
    core.store.writes.run('update the session', (db) => {
      const session = visibleSession(core, caller, id);
      // What the server keeps is not the caller's to set: the hint level rises only with "more
      // help" (assignment-policy.ts), the chosen version has its own route, the title's source
      // follows from who named it.
      const { hint_level: _level, active_leaf_id: _leaf, title_source: _source, ...patch } = meta ?? {};
      // A name the student gives is never replaced by a model-made one (llm/model-title.ts).
      const renamed = title !== undefined || typeof meta?.title === 'string';
      const nextMeta = meta || title ? { ...session.meta, ...patch, ...(title ? { title } : {}), ...(renamed ? { title_source: 'student' as const } : {}) } : undefined;
      return found(core.sessions.updateSessionById(db, id, { ...(nextMeta ? { meta: nextMeta } : {}), ...(ended_at !== undefined ? { ended_at } : {}) }), `session '${id}'`);
    }),
  deleteSession: (core, caller, { id }) =>
    core.store.writes.run('delete the session', (db) => {
      visibleSession(core, caller, id);
      core.sessions.deleteSessionById(db, id);
      return { deleted: true };
    }),
  getSessionTurns: (core, caller, { id, limit, cursor, path }) => {
    const session = visibleSession(core, caller, id);
    const page = { limit, ...(cursor ? { cursor } : {}) };
    return path === 'active' ? core.turns.getActivePathPage(id, session.meta.active_leaf_id, page) : core.turns.getTurnsBySessionIdPage(id, page);
  },
  selectSessionPath: (core, caller, { id, turn_id }) =>
    core.store.writes.run('switch versions', (db) => {
      const session = visibleSession(core, caller, id);
      return found(core.sessions.updateSessionById(db, id, { meta: { ...session.meta, active_leaf_id: branchLeaf(core, id, turn_id) } }), `session '${id}'`);
    }),
  waitSessionTitle: async (core, caller, { id }) => {
    visibleSession(core, caller, id);
    await core.proxy.titles.request(id);
    return visibleSession(core, caller, id);
  },
  getTurns: (core, caller, { from, to, user_id, limit, cursor }) =>
    core.turns.getTurnsByUserAndDatePage(subject(caller, user_id), from, to, { limit, ...(cursor ? { cursor } : {}) }),
  // A teacher's assignment hits are their own assignments only (as listAssignments shows them).
  searchTurns: (core, caller, { q, skip, limit }) => core.turns.searchTurns(caller.user_id, q, { skip, limit }, caller.role === 'teacher' ? caller.user_id : undefined),
  getUsage: (core, caller, { from, to, group, tz_offset_minutes, user_id }) => core.usage.report(subject(caller, user_id), { from, to }, group, tz_offset_minutes),
  exportSessions: (core, caller, input) => exportSessions(core, caller, input),
  // A teacher sees a student's days only for the work handed in to them, recomputed from it
  // (handin.service.ts); the student their own stored days, an admin anyone's — or, asking for
  // scope "handed_in", as a teacher sees them.
  getLearnerSummary: (core, caller, { from, to, user_id, scope }) =>
    user_id !== undefined && (scope === 'handed_in' || (caller.role === 'teacher' && user_id !== caller.user_id))
      ? core.handin.learnerDays(caller, user_id, from, to)
      : core.learnerSummaries.list(subject(caller, user_id), from, to),
  runLearnerSummary: async (core, caller, { from, to, user_id }) => {
    const userId = subject(caller, user_id);
    await core.learnerSummaries.run(from, to, [userId]);
    return core.learnerSummaries.list(userId, from, to);
  },

  // Students see every assignment (to work on it); a teacher sees and changes only their own.
  listAssignments: (core, caller) => core.assignments.list(caller.role === 'teacher' ? caller.user_id : undefined),
  getAssignment: (core, caller, { id }) => visibleAssignment(core, caller, id),
  getAssignmentStatus: (core, caller, { id, user_id }) =>
    assignmentStatus(visibleAssignment(core, caller, id), subject(caller, user_id), (u, a) => core.usage.assignmentUse(u, a), core.dailyAllowance),
  createAssignment: (core, caller, input) => core.store.writes.run('create the assignment', (db) => core.assignments.create(db, input, caller.user_id)),
  updateAssignment: (core, caller, { id, ...patch }) =>
    core.store.writes.run('update the assignment', (db) => {
      notFromHub(taughtAssignment(core, caller, id));
      return found(core.assignments.update(db, id, patch), `assignment '${id}'`);
    }),
  deleteAssignment: (core, caller, { id }) =>
    core.store.writes.run('delete the assignment', (db) => {
      notFromHub(taughtAssignment(core, caller, id));
      if (!core.assignments.delete(db, id)) throw new ApiError('not_found', `There is no assignment '${id}'.`);
      return { deleted: true };
    }),
  importAssignments: (core, caller, { assignments }) =>
    core.store.writes.run('import the assignments', (db) => core.assignments.import(db, assignments, caller.user_id, (existing) => teaches(caller, existing))),

  createSubmission: (core, caller, { id, ...fields }) => {
    visibleAssignment(core, caller, id);
    return core.handin.create(caller, id, fields);
  },
  listSubmissions: (core, caller, { id }) => {
    visibleAssignment(core, caller, id);
    return core.handin.list(caller, id);
  },
  exportGrades: (core, caller, { id }) => core.handin.gradesCsv(caller, id),
  listMySubmissions: (core, caller) => core.handin.listMine(caller),
  getSubmission: (core, caller, { id }) => core.handin.detail(caller, id),
  updateSubmission: (core, caller, { id, ...fields }) => core.handin.update(caller, id, fields),
  submitSubmission: (core, caller, { id }) => core.handin.submit(caller, id),
  getSubmissionBundle: (core, caller, { id }) => core.handin.bundleFile(caller, id),
  getSubmissionFile: (core, caller, { id, sha256 }) => core.handin.file(caller, id, sha256),
  returnSubmission: (core, caller, { id, score, feedback }) => core.handin.returnGrade(caller, id, score, feedback),
  importSubmission: (core, caller, { bundle }) => core.handin.import(caller, bundle),

  listTemplates: (core, caller) => core.templates.list(caller.user_id),
  saveTemplate: (core, caller, input) => core.store.writes.run('save the template', (db) => core.templates.save(db, caller.user_id, input)),
  deleteTemplate: (core, caller, { id }) => core.store.writes.run('delete the template', (db) => ({ deleted: core.templates.remove(db, caller.user_id, id) })),

  listModels: async (core) => {
    const providers = await core.providers.info();
    return {
      providers: await Promise.all(
        providers.map(async (p) => {
          const origin = core.providers.origin(p.id);
          let listed: { models: string[]; cached: boolean; error: { code: string; detail: string } | null };
          try {
            const list = await core.providers.listModels(p.id);
            listed = { models: list.models, cached: list.cached, error: list.error ? { code: list.error.code, detail: list.error.detail } : null };
          } catch (error) {
            // Offline with nothing cached: the configured list still lets the student pick a model.
            const e = error instanceof ApiError ? error : new ApiError('upstream_error', 'The provider could not be asked for its models.');
            listed = { models: p.models, cached: true, error: { code: e.code, detail: e.detail } };
          }
          // What the proxy goes by: the configured models and the listed ones (unknown: neither).
          const known = listed.error && listed.models.length === 0 ? null : [...new Set([...p.models, ...listed.models])];
          const choices = core.providers.choicesFor(p, known);
          return { id: p.id, name: p.name, kind: p.kind, base_url: p.base_url, key_status: p.key_status, ...listed, ...origin, ...choices };
        }),
      ),
    };
  },
  getHubLink: (core) => core.hub.status(),
  // Where shared sessions and hand-ins go is the installation owner's choice, at this computer
  // (as for where keys and the API go: settings/destinations.ts).
  joinHub: (core, caller, input) => {
    ownerAtThisComputer(caller, 'join a class hub');
    return core.hub.join(input);
  },
  syncHub: (core) => core.hub.sync({ force: true }),
  leaveHub: (core, caller) => {
    ownerAtThisComputer(caller, 'leave the class hub');
    return core.hub.leave();
  },
  getMe: (core, caller) => found(core.users.getUser(caller.user_id), 'such user'),
  // Teachers and admins only (the manifest): a student's name is the one their token was made with.
  updateMe: (core, caller, input) => found(core.users.rename(caller.user_id, input.name), 'such user'),

  getSettings: (core) => core.settings.get(),
  updateSettings: async (core, caller, patch) => {
    const next = core.settings.preview(patch);
    const change = destinationChanges(core.settings.get(), next);
    if (change.restricted.length > 0 && !caller.local_owner) {
      throw new ApiError(
        'forbidden',
        `Only the owner of this installation, at this computer (the desktop app, or a local owner token from this machine), may change where keys and the API go: ${change.restricted.join('; ')}.`,
      );
    }
    // The stored keys of removed or moved providers go first: if the keychain cannot delete one,
    // nothing changes (a key left behind must never find a provider re-added under its id).
    for (const id of change.keysToForget) {
      try {
        await core.providers.forgetKey(id);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'keychain_unavailable') {
          throw new ApiError('keychain_unavailable', `The settings were not changed: the stored key of provider '${id}' could not be removed. ${error.detail}`);
        }
        throw error;
      }
    }
    for (const id of change.keysToDrop) await core.providers.forgetKey(id).catch(() => false);
    return core.settings.update(patch);
  },
  setProviderKey: async (core, _caller, { id, api_key }) => {
    await core.providers.setApiKey(id, api_key);
    return { key_status: 'set' as const };
  },
  deleteProviderKey: async (core, _caller, { id }) => ({ deleted: await core.providers.deleteApiKey(id) }),
  testProvider: async (core, _caller, { id }) => {
    try {
      const list = await core.providers.listModels(id);
      // Not asked this time: say why (offline, or a refused key …), with the last list seen.
      if (list.cached)
        return {
          ok: false,
          models: list.models,
          error: { code: list.error?.code ?? 'upstream_unreachable', detail: list.error?.detail ?? 'The provider could not be reached; this is the last list seen.' },
        };
      return { ok: true, models: list.models, error: null };
    } catch (error) {
      if (!(error instanceof ApiError) || error.code === 'not_found') throw error;
      return { ok: false, models: [], error: { code: error.code, detail: error.detail } };
    }
  },

  listTokens: (core) => core.users.listTokens(),
  createToken: (core, _caller, input) => core.users.createToken(input),
  revokeToken: (core, _caller, { id }) => found(core.users.revokeToken(id), `token '${id}'`),

  // Public: the code is the credential. A wrong, used or expired one is the same `unauthorized`
  // (nothing tells a guesser which), and it is gone after one try either way.
  exchangeSigninCode: (core, _caller, { code }) => {
    if (!core.signinCodes.redeem(code)) {
      throw new ApiError(
        'unauthorized',
        'This sign-in link is not valid: it was already used, it expired (links last 15 minutes), or it was copied incompletely. Restart Studylog for a new link, or sign in with an API token.',
      );
    }
    return { token: core.users.issueLocalOwnerToken(SERVER_TOKEN_NAMES.signinLink).token };
  },

  // A browser's sign-out ends the token a sign-in link minted for it (each use of a link mints one;
  // a new link comes with the next start). Tokens made on purpose — a student's, the one for
  // scripts — are credentials their holders keep: signing out of a page leaves them working.
  signOut: (core, caller) => {
    const token = caller.token_id ? core.users.listTokens().find((t) => t.id === caller.token_id) : undefined;
    if (token?.name !== SERVER_TOKEN_NAMES.signinLink) return { revoked: false };
    return { revoked: core.users.revokeToken(token.id) !== null };
  },

  health: () => ({ status: 'ok' as const }),
};

export const streamHandlers: StreamHandlers = {
  streamProxyMessage: (core, caller, input, signal) => core.proxy.stream(caller, input, signal),
  regenerateAnswer: (core, caller, input, signal) => core.proxy.regenerate(caller, input, signal),
};
