/**
 * The route table's names as plain data, for the preload: importing routes.ts there would bundle
 * zod and every schema into a script that only needs the names. Kept in sync with routes.ts twice:
 * at compile time (the checks below) and at run time (tests/unit/preload.test.ts).
 */
import type { StreamRouteName, UnaryRouteName } from './routes.ts';

export const UNARY_ROUTE_NAMES = [
  'sendProxyMessage',
  'getUserSessions',
  'getSession',
  'updateSession',
  'deleteSession',
  'getSessionTurns',
  'getTurns',
  'searchTurns',
  'getUsage',
  'exportSessions',
  'listAssignments',
  'getAssignment',
  'createAssignment',
  'updateAssignment',
  'deleteAssignment',
  'importAssignments',
  'listModels',
  'getMe',
  'getSettings',
  'updateSettings',
  'setProviderKey',
  'deleteProviderKey',
  'testProvider',
  'listTokens',
  'createToken',
  'revokeToken',
  'exchangeSigninCode',
  'health',
] as const satisfies readonly UnaryRouteName[];

export const STREAM_ROUTE_NAMES = ['streamProxyMessage'] as const satisfies readonly StreamRouteName[];

// A route in the table but missing here fails the type check (and the other way round, above).
type Missing = Exclude<UnaryRouteName, (typeof UNARY_ROUTE_NAMES)[number]> | Exclude<StreamRouteName, (typeof STREAM_ROUTE_NAMES)[number]>;
export const ROUTE_NAMES_COMPLETE: [Missing] extends [never] ? true : { missing: Missing } = true;

/** IPC channel of a route: `studylog:<name>`. */
export const IPC_PREFIX = 'studylog:';
/** Main → renderer: `(requestId, event)` for each event of a stream. */
export const STREAM_EVENT_CHANNEL = 'studylog:stream-event';
/** Renderer → main: `(requestId)` stops that stream. */
export const CANCEL_STREAM_CHANNEL = 'studylog:cancelStream';
