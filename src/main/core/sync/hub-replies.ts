/**
 * What this laptop takes from a class hub. A hub is another machine, most often reached over plain
 * HTTP on a school network, where anyone can answer at its address: its replies are read as a
 * provider's are — bounded in bytes once decompressed, redirects not followed (upstream-fetch.ts) —
 * and a pull is checked entry by entry before anything of it is stored (client.ts).
 */
import { z } from 'zod';
import { AllowanceInputSchema, AssignmentInputSchema, CreateClassSchema, ExactIdSchema, FeedbackInputSchema, HubIdSchema, ReturnHandinSchema } from '../../../shared/api/hub.ts';
import { Sha256Schema, StoredPolicySchema, TimestampSchema } from '../../../shared/api/schemas.ts';
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

/** The shape of a pull; each entry of its lists is checked on its own below (one bad entry does not stop the rest). */
export const PullShapeSchema = z.object({
  assignments: z.array(z.unknown()),
  feedback: z.array(z.unknown()),
  allowances: z.array(z.unknown()),
  handins: z.array(z.unknown()).optional(),
  cursor: TimestampSchema,
});

/**
 * An assignment as this laptop stores it: what the hub itself takes from a teacher
 * (AssignmentInputSchema: texts within its limits, the id under the desktop's rules as sent — ` hw1`
 * is not trimmed into another assignment `hw1`), with a policy read leniently — a key this version
 * does not know (a newer hub's, at the top or in `allowance`) is dropped, a value it would misread
 * refuses the assignment (held, and asked for again: client.ts) rather than storing a policy that
 * would read as none.
 */
export const PulledAssignmentSchema = AssignmentInputSchema.extend({ id: ExactIdSchema, policy: StoredPolicySchema, updated_at: TimestampSchema });

/** Feedback and allowances as the hub takes them from a teacher, stamped. */
export const PulledFeedbackSchema = FeedbackInputSchema.extend({ updated_at: TimestampSchema });
export const PulledAllowanceSchema = AllowanceInputSchema.extend({ updated_at: TimestampSchema });

/** A grade as the hub takes it (ReturnHandinSchema), with the hand-in it is for. */
export const PulledGradeSchema = ReturnHandinSchema.extend({
  submission_id: ExactIdSchema,
  assignment_id: ExactIdSchema,
  bundle_hash: Sha256Schema,
  feedback: ReturnHandinSchema.shape.feedback.unwrap().nullable(),
  returned_at: TimestampSchema,
  updated_at: TimestampSchema,
});

/** The hub's answer to a join: the device token and the class, within the hub's own bounds. */
export const JoinReplySchema = z.object({
  token: z.string().min(1).max(512),
  device_id: HubIdSchema.optional(),
  user_id: HubIdSchema.optional(),
  student_name: z.string().max(200).optional(),
  from_roster: z.boolean().optional(),
  class: z.object({ id: HubIdSchema, name: CreateClassSchema.shape.name }),
});

/** One entry of a pulled list, or why it was not taken (named in the sync report). */
export function pulledEntry<T>(schema: z.ZodType<T>, value: unknown, what: string): { ok: true; value: T } | { ok: false; why: string } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const id = typeof value === 'object' && value !== null && 'id' in value ? ` '${String((value as { id: unknown }).id).slice(0, 80)}'` : '';
  const issue = parsed.error.issues[0];
  return { ok: false, why: `${what}${id} from the hub is not valid here (${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'}): not applied` };
}
