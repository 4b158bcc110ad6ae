/**
 * What this laptop takes from a class hub. A hub is another machine, most often reached over plain
 * HTTP on a school network, where anyone can answer at its address: its replies are read as a
 * provider's are — bounded in bytes once decompressed, redirects not followed (upstream-fetch.ts) —
 * and a pull is checked entry by entry before anything of it is stored (client.ts).
 */
import { z } from 'zod';
import { MAX_FEEDBACK_CHARS, MAX_SCORE } from '../../../shared/api/handin.ts';
import { ExactIdSchema } from '../../../shared/api/hub.ts';
import { StoredPolicySchema } from '../../../shared/api/schemas.ts';
import { DAILY_TOKENS_MAX } from '../../../shared/hub-text.ts';
import { upstreamFetch } from '../llm/upstream-fetch.ts';
import { tooLargeIn } from '../llm/upstream-limits.ts';

/**
 * The largest reply read from a hub. A pull is not paged: from the start it holds every assignment
 * of the class with its description (≤ 20,000 characters), the student's feedback and grades
 * (≤ 20,000 each) — about 150 assignments at every limit, in Chinese (3 bytes a character), far
 * more than a term's. A reply past it is cut and the round fails, as an unreachable hub's does.
 */
export const HUB_MAX_REPLY_BYTES = 32 * 1024 * 1024;

/** The transport of every call to a hub (join, sync): bounded replies, no redirects followed. */
export const hubFetch: typeof fetch = upstreamFetch({ body: HUB_MAX_REPLY_BYTES, stream: HUB_MAX_REPLY_BYTES });

/** Why a redirect is refused (a hand-in or the turns would go where it points); null for any other reply. */
export function redirectRefusal(response: Response): string | null {
  if (response.status < 300 || response.status > 399) return null;
  const to = response.headers.get('location');
  return `the hub answered with a redirect (HTTP ${response.status}${to ? ` to ${to.slice(0, 200)}` : ''}); Studylog does not follow a hub's redirects — use the address it points to if it is the school's`;
}

/** The words for a reply that could not be read: too large, or cut off. */
export function unreadableReply(error: unknown): string {
  if (tooLargeIn(error)) return `the hub's answer is larger than ${HUB_MAX_REPLY_BYTES / (1024 * 1024)} MiB and was not read`;
  return `the hub's answer was cut off (${error instanceof Error ? error.message : String(error)})`;
}

const Ms = z.number().int().min(0).max(8.64e15);
const HubId = z.string().min(1).max(128);
const Hash = z.string().regex(/^[0-9a-f]{64}$/);

/** The shape of a pull; each entry of its lists is checked on its own below (one bad entry does not stop the rest). */
export const PullShapeSchema = z.object({
  assignments: z.array(z.unknown()),
  feedback: z.array(z.unknown()),
  allowances: z.array(z.unknown()),
  handins: z.array(z.unknown()).optional(),
  cursor: Ms,
});

/**
 * An assignment as this laptop stores it: its id under the desktop's own rules, as sent (it becomes
 * a local assignment's id; ` hw1` is not trimmed into another assignment `hw1`), its texts within
 * the hub's own limits, and a policy the desktop can enforce — a key this version does not know (a
 * newer hub's, at the top or in `allowance`) is dropped, a value it would misread refuses the
 * assignment (held, and asked for again: client.ts) rather than storing a policy that would read as none.
 */
export const PulledAssignmentSchema = z.object({
  id: ExactIdSchema,
  class_id: HubId,
  title: z.string().trim().min(1).max(500),
  description: z.string().max(20_000).nullable(),
  due_at: Ms.nullable(),
  policy: StoredPolicySchema,
  updated_at: Ms,
});

export const PulledFeedbackSchema = z.object({
  assignment_id: HubId,
  user_id: HubId,
  grade: z.string().max(100).nullable(),
  feedback: z.string().max(20_000).nullable(),
  updated_at: Ms,
});

export const PulledAllowanceSchema = z.object({
  class_id: HubId,
  user_id: HubId,
  daily_tokens: z.number().int().min(0).max(DAILY_TOKENS_MAX).nullable(),
  updated_at: Ms,
});

export const PulledGradeSchema = z.object({
  submission_id: ExactIdSchema,
  assignment_id: ExactIdSchema,
  bundle_hash: Hash,
  score: z.number().int().min(0).max(MAX_SCORE).nullable(),
  feedback: z.string().max(MAX_FEEDBACK_CHARS).nullable(),
  returned_at: Ms,
  updated_at: Ms,
});

/** The hub's answer to a join: the device token and the class, within the same bounds. */
export const JoinReplySchema = z.object({
  token: z.string().min(1).max(512),
  device_id: HubId.optional(),
  user_id: HubId.optional(),
  student_name: z.string().max(200).optional(),
  from_roster: z.boolean().optional(),
  class: z.object({ id: HubId, name: z.string().min(1).max(200) }),
});

/** One entry of a pulled list, or why it was not taken (named in the sync report). */
export function pulledEntry<T>(schema: z.ZodType<T>, value: unknown, what: string): { ok: true; value: T } | { ok: false; why: string } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const id = typeof value === 'object' && value !== null && 'id' in value ? ` '${String((value as { id: unknown }).id).slice(0, 80)}'` : '';
  const issue = parsed.error.issues[0];
  return { ok: false, why: `${what}${id} from the hub is not valid here (${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'}): not applied` };
}
