import { asc, desc, eq, sql } from './drizzle.ts';
import { newId } from '../ids.ts';
import {
  AssignmentPatchSchema,
  IdSchema,
  NewAssignmentSchema,
  StoredPolicySchema,
  type Assignment,
  type AssignmentImportResult,
  type AssignmentPolicy,
  type NewAssignment,
} from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Store } from './connection.ts';
import type { WritableDB } from './handles.ts';
import { withDbErrors } from './db-errors.ts';
import { assignment } from './schema.ts';

/** meta key of an assignment registered because a message named it (value 'message'). */
export const REGISTERED_FROM = 'registered_from';

/** meta key holding the assignment's AI policy (the routes carry it as `policy`). */
export const POLICY_KEY = 'policy';

const FIELDS = ['id', 'title', 'subject', 'description', 'due_at', 'created_at', 'meta', 'owner_id'] as const;

type StoredAssignment = Omit<Assignment, 'policy'>;

/**
 * A row as the routes show it: meta.policy moves to `policy`, read leniently (StoredPolicySchema:
 * a key this version does not know is dropped); a stored policy that no longer fits the schema —
 * raw SQL, an older version — reads as none rather than failing the row.
 */
function withPolicy(row: StoredAssignment): Assignment {
  const { [POLICY_KEY]: stored, ...meta } = row.meta;
  const parsed = stored === undefined ? null : StoredPolicySchema.safeParse(stored);
  return { ...row, meta, policy: parsed?.success ? parsed.data : {} };
}

/** The meta to store: `meta` (given, or the row's) with the policy (given, or the row's) under meta.policy. */
function metaWithPolicy(meta: Record<string, unknown>, policy: AssignmentPolicy | null | undefined, existing: Assignment | null): Record<string, unknown> {
  const { [POLICY_KEY]: _ignored, ...rest } = meta;
  const kept = policy === undefined ? (existing?.policy ?? {}) : (policy ?? {});
  return Object.keys(kept).length ? { ...rest, [POLICY_KEY]: kept } : rest;
}

export class AssignmentsRepo {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Due soonest first; assignments without a due date last, newest first among them. `ownerId`: only that teacher's. */
  list(ownerId?: string): Assignment[] {
    return this.#store.orm
      .select()
      .from(assignment)
      .where(ownerId === undefined ? undefined : eq(assignment.owner_id, ownerId))
      .orderBy(sql`${assignment.due_at} IS NULL`, asc(assignment.due_at), desc(assignment.created_at))
      .all()
      .map((row) => withPolicy(row as StoredAssignment));
  }

  get(id: string): Assignment | null {
    const row = this.#store.orm
      .select()
      .from(assignment)
      .where(eq(assignment.id, parseInput(IdSchema, id, 'assignment id')))
      .get() as StoredAssignment | undefined;
    return row ? withPolicy(row) : null;
  }

  /** Writes take the write handle (handles.ts): inside `store.writes.run` or `store.transaction`. */
  create(db: WritableDB, input: NewAssignment, ownerId: string | null = null): Assignment {
    const data = parseInput(NewAssignmentSchema, input, 'assignment');
    const id = data.id ?? newId();
    const existing = this.get(id);
    // One a message registered is only a placeholder: creating it for real fills it in.
    if (existing && existing.meta[REGISTERED_FROM] === 'message') return withDbErrors('create the assignment', () => this.#fillIn(db, existing, data, ownerId));
    if (existing) throw new ApiError('conflict', `An assignment with id '${id}' already exists.`);
    return withDbErrors('create the assignment', () => this.#insert(db, this.#newRow(data, id, ownerId)));
  }

  update(db: WritableDB, id: string, patch: unknown): Assignment | null {
    const assignmentId = parseInput(IdSchema, id, 'assignment id');
    const { policy, ...changes } = parseInput(AssignmentPatchSchema, patch, 'assignment update');
    if (Object.keys(changes).length === 0 && policy === undefined) return this.get(assignmentId);
    const existing = this.get(assignmentId);
    if (!existing) return null;
    // The policy lives in meta.policy: a meta without it keeps the stored one, a policy replaces it.
    const meta = changes.meta !== undefined || policy !== undefined ? metaWithPolicy(changes.meta ?? existing.meta, policy, existing) : undefined;
    return withDbErrors('update the assignment', () => this.#update(db, assignmentId, { ...changes, ...(meta ? { meta } : {}) }));
  }

  /**
   * A message named this assignment before anyone created it (the seed's `"assignment_id":
   * "hw_001"` is handed out elsewhere): keep it, titled by its id and marked
   * meta.registered_from = 'message', so the picker, history and exports show it. Runs inside the
   * message's write; a no-op when the assignment exists.
   */
  registerFromMessage(db: WritableDB, id: string): void {
    const assignmentId = parseInput(IdSchema, id, 'assignment id');
    withDbErrors('register the assignment', () =>
      db
        .prepare('INSERT INTO assignment (id, title, subject, description, due_at, created_at, meta) VALUES (?, ?, NULL, NULL, NULL, ?, ?) ON CONFLICT DO NOTHING')
        .run(assignmentId, assignmentId, Date.now(), JSON.stringify({ [REGISTERED_FROM]: 'message' })),
    );
  }

  /** A teacher's entry for an assignment a message registered: theirs, without the mark. */
  #fillIn(db: WritableDB, existing: Assignment, data: ReturnType<typeof NewAssignmentSchema.parse>, ownerId: string | null): Assignment {
    const { id: _id, policy, ...fields } = data;
    const { [REGISTERED_FROM]: _mark, ...meta } = { ...existing.meta, ...fields.meta };
    return this.#update(db, existing.id, { ...fields, meta: metaWithPolicy(meta, policy, existing), ...(ownerId ? { owner_id: ownerId } : {}) })!;
  }

  #newRow(data: ReturnType<typeof NewAssignmentSchema.parse>, id: string, ownerId: string | null): StoredAssignment {
    const { policy, ...fields } = data;
    return { ...fields, id, meta: metaWithPolicy(fields.meta, policy, null), created_at: Date.now(), owner_id: ownerId };
  }

  #insert(db: WritableDB, row: StoredAssignment): Assignment {
    db.prepare(`INSERT INTO assignment (${FIELDS.join(', ')}) VALUES (${FIELDS.map((f) => `@${f}`).join(', ')})`).run({
      ...row,
      owner_id: row.owner_id ?? null,
      meta: JSON.stringify(row.meta),
    });
    return withPolicy(row);
  }

  /** The column names come from the patch schemas' keys (strict objects), never from the caller. */
  #update(db: WritableDB, id: string, patch: Partial<Omit<StoredAssignment, 'id' | 'created_at'>>): Assignment | null {
    const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0) return this.get(id);
    const row = db
      .prepare(
        `UPDATE assignment SET ${Object.keys(changes)
          .map((f) => `${f} = @${f}`)
          .join(', ')} WHERE id = @id RETURNING ${FIELDS.join(', ')}`,
      )
      .get({ ...changes, ...(changes.meta !== undefined ? { meta: JSON.stringify(changes.meta) } : {}), id }) as (Omit<StoredAssignment, 'meta'> & { meta: string }) | undefined;
    return row ? withPolicy({ ...row, meta: JSON.parse(row.meta) as Assignment['meta'] }) : null;
  }

  /** Sessions keep their assignment_id (history stays as it was); the assignment itself goes. */
  delete(db: WritableDB, id: string): boolean {
    const assignmentId = parseInput(IdSchema, id, 'assignment id');
    return withDbErrors('delete the assignment', () => db.prepare('DELETE FROM assignment WHERE id = ?').run(assignmentId).changes > 0);
  }

  /**
   * Imports a teacher's list. Each entry is validated on its own: invalid ones are reported by
   * index and skipped; the valid ones are written together in one transaction (all of them or,
   * if the database fails, none). An entry whose id exists already updates that assignment — if
   * `canEdit` allows (a teacher may change only their own); new ones belong to `ownerId`.
   */
  import(db: WritableDB, entries: readonly unknown[], ownerId: string | null = null, canEdit: (existing: Assignment) => boolean = () => true): AssignmentImportResult {
    const errors: AssignmentImportResult['errors'] = [];
    const valid: { index: number; data: ReturnType<typeof NewAssignmentSchema.parse> }[] = [];
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const parsed = NewAssignmentSchema.safeParse(entry);
      if (!parsed.success) {
        errors.push({ index, detail: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(entry)'}: ${i.message}`).join('; ') });
      } else if (parsed.data.id && seen.has(parsed.data.id)) {
        errors.push({ index, detail: `id: '${parsed.data.id}' appears earlier in the file` });
      } else if (parsed.data.id && typeof this.get(parsed.data.id)?.meta.hub_class_id === 'string') {
        // A class hub's assignment is its teacher's, set on the hub (api/handlers.ts notFromHub).
        errors.push({ index, detail: `id: '${parsed.data.id}' is set by your teacher on the class hub` });
      } else if (parsed.data.id && this.get(parsed.data.id) && this.get(parsed.data.id)!.meta[REGISTERED_FROM] !== 'message' && !canEdit(this.get(parsed.data.id)!)) {
        errors.push({ index, detail: `id: '${parsed.data.id}' is another teacher's assignment` });
      } else {
        if (parsed.data.id) seen.add(parsed.data.id);
        valid.push({ index, data: parsed.data });
      }
    });
    let imported = 0;
    let updated = 0;
    // The write it runs in (one transaction) makes it all of them or, if the database fails, none.
    const items = withDbErrors('import the assignments', () =>
      valid.map(({ data }) => {
        const existing = data.id ? this.get(data.id) : null;
        if (existing?.meta[REGISTERED_FROM] === 'message') {
          updated++;
          return this.#fillIn(db, existing, data, ownerId);
        }
        if (existing) {
          updated++;
          const { id: _id, policy, ...fields } = data;
          return this.#update(db, existing.id, { ...fields, meta: metaWithPolicy(fields.meta, policy, existing) })!;
        }
        imported++;
        return this.#insert(db, this.#newRow(data, data.id ?? newId(), ownerId));
      }),
    );
    return { imported, updated, errors, items };
  }
}
