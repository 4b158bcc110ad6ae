// Chained sessions as a desktop pushes them (no vitest here: bench/hub.ts uses these too).
import { v7 as uuidv7 } from 'uuid';
import type { PushSession, PushTurn } from '../../src/shared/api/hub.ts';
import { GENESIS_HASH, turnHash } from '../../src/main/core/handin/chain.ts';

export type TurnSpec = Partial<Omit<PushTurn, 'prev_hash' | 'hash'>> & { content: string };

/** A session's turns chained from `prev` (genesis by default), as the outbox would send them. */
export function chained(sessionId: string, specs: TurnSpec[], prev = GENESIS_HASH, start = 1_700_000_000_000): PushTurn[] {
  const out: PushTurn[] = [];
  specs.forEach((spec, i) => {
    const t = {
      id: spec.id ?? uuidv7(),
      parent_id: spec.parent_id ?? null,
      role: spec.role ?? (i % 2 === 0 ? 'user' : 'assistant'),
      content: spec.content,
      model: spec.model ?? null,
      tokens_in: spec.tokens_in ?? 10,
      tokens_out: spec.tokens_out ?? 20,
      cost: spec.cost ?? 3,
      created_at: spec.created_at ?? start + i * 1000,
      meta: spec.meta ?? {},
    };
    const hash = turnHash(prev, { ...t, session_id: sessionId });
    out.push({ ...t, prev_hash: prev, hash });
    prev = hash;
  });
  return out;
}

export function session(id: string, turns: PushTurn[], extra: Partial<PushSession> = {}): PushSession {
  return { id, assignment_id: null, mode: 'homework', started_at: 1_700_000_000_000, meta: {}, turns, ...extra };
}
