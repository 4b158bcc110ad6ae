/**
 * The renderer's cache rules, one table for every route the screens use: how long a read stays
 * fresh, and what each write makes stale. A call site never reloads anything by hand: a write
 * through the cache (ApiCache.write, useRouteMutation) applies its row here.
 *
 * A route missing from the table is read fresh on every mount and, written, makes nothing stale:
 * a new write route the screens use gets its row here.
 */
import type { RouteInput, RouteName, RouteOutput } from '../../../shared/api/routes.ts';

/**
 * 'kept': read once, then only after a write makes it stale (settings, models, assignments: what
 * every screen shows and only this app changes). 'fresh': read again whenever a screen showing it
 * opens (history, usage: other clients add to them).
 */
export type Freshness = 'kept' | 'fresh';

export const READS: Partial<Record<RouteName, Freshness>> = {
  getMe: 'kept',
  getSettings: 'kept',
  listModels: 'kept',
  listAssignments: 'kept',
  getAssignment: 'kept',
  // Other clients (another window, the teacher changing the policy) change the allowance used.
  getAssignmentStatus: 'fresh',
  getUserSessions: 'fresh',
  getSession: 'fresh',
  getSessionTurns: 'fresh',
  getTurns: 'fresh',
  searchTurns: 'fresh',
  getUsage: 'fresh',
  listTokens: 'fresh',
  listTemplates: 'kept',
  getLearnerSummary: 'fresh',
  // Content-addressed: an attachment never changes.
  getAttachment: 'kept',
  // Hand-ins: a teacher's inbox fills as students hand in; a student's grade arrives from the teacher.
  listSubmissions: 'fresh',
  listMySubmissions: 'fresh',
  getSubmission: 'fresh',
  // The class hub's sync state changes with every background round.
  getHubLink: 'fresh',
  // A hand-in's file is named by its content's hash: it never changes.
  getSubmissionFile: 'kept',
};

export interface WriteEffect<N extends RouteName> {
  /** Reads whose every cached input is stale after this write (matched by route name); or which, given the write's input. */
  stale: readonly RouteName[] | ((input: RouteInput<N>) => readonly RouteName[]);
  /** The write's answer is the new value of one read: cached as it is, without asking again. */
  answers?: (output: RouteOutput<N>, input: RouteInput<N>) => CachedAnswer;
  /** Stale even when the write failed (a failed message is still recorded, with its session). */
  evenOnFailure?: true;
}

/** A read's key and value, for `answers`. */
export type CachedAnswer = { [R in RouteName]: { route: R; input: RouteInput<R>; value: RouteOutput<R> } }[RouteName];

/** A message adds turns, maybe a session, and usage; search finds its words. */
const MESSAGE = {
  stale: ['getUserSessions', 'getSession', 'getSessionTurns', 'getTurns', 'searchTurns', 'getUsage', 'getAssignmentStatus'],
  evenOnFailure: true,
} as const;
const ASSIGNMENTS = ['listAssignments', 'getAssignment', 'getAssignmentStatus'] as const;
const HANDINS = ['listSubmissions', 'listMySubmissions', 'getSubmission'] as const;

export const WRITES: { [N in RouteName]?: WriteEffect<N> } = {
  sendProxyMessage: MESSAGE,
  streamProxyMessage: MESSAGE,
  regenerateAnswer: MESSAGE,
  // A read that waits for the model-made title (after a first answer): its answer is the session,
  // and the session list shows the title too.
  waitSessionTitle: { stale: ['getUserSessions'], answers: (session) => ({ route: 'getSession', input: { id: session.id }, value: session }) },
  // Switching versions changes the session's active_leaf_id only.
  selectSessionPath: { stale: [], answers: (session) => ({ route: 'getSession', input: { id: session.id }, value: session }) },
  updateSession: {
    stale: ['getUserSessions'],
    answers: (session) => ({ route: 'getSession', input: { id: session.id }, value: session }),
  },
  deleteSession: { stale: ['getUserSessions', 'getSession', 'getSessionTurns', 'getTurns', 'searchTurns', 'getUsage'] },
  createAssignment: { stale: ASSIGNMENTS },
  updateAssignment: { stale: ASSIGNMENTS },
  deleteAssignment: { stale: ASSIGNMENTS },
  importAssignments: { stale: ASSIGNMENTS },
  // Providers and policies decide which models each mode may use (a theme or language does not).
  updateSettings: {
    stale: (patch) => (patch.providers !== undefined || patch.policies !== undefined || patch.default_provider_id !== undefined ? ['listModels'] : []),
    answers: (settings) => ({ route: 'getSettings', input: {}, value: settings }),
  },
  // A key, or a connection test, changes what GET /models can list (and its key status).
  setProviderKey: { stale: ['listModels'] },
  deleteProviderKey: { stale: ['listModels'] },
  testProvider: { stale: ['listModels'] },
  saveTemplate: { stale: ['listTemplates'] },
  deleteTemplate: { stale: ['listTemplates'] },
  runLearnerSummary: { stale: ['getLearnerSummary'] },
  uploadAttachment: { stale: [] },
  createSubmission: { stale: HANDINS },
  updateSubmission: { stale: HANDINS },
  submitSubmission: { stale: HANDINS },
  returnSubmission: { stale: HANDINS },
  importSubmission: { stale: HANDINS },
  // A sync round brings assignments (and their policies) and grades from the class hub.
  joinHub: { stale: ['getHubLink', 'listAssignments', 'getAssignment', ...HANDINS] },
  syncHub: { stale: ['getHubLink', 'listAssignments', 'getAssignment', ...HANDINS] },
  leaveHub: { stale: ['getHubLink'] },
  createToken: { stale: ['listTokens'] },
  revokeToken: { stale: ['listTokens'] },
  // The caller's name: the sidebar and Settings read it from getMe; token lists and hand-ins name them.
  updateMe: {
    stale: ['listTokens', ...HANDINS],
    answers: (user) => ({ route: 'getMe', input: {}, value: user }),
  },
};
