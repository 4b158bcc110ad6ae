/**
 * What a reply cost, said honestly. The server prices a reply from its price table; a model it has
 * no price for costs 0 with `price_known: false`. For a model on a local server (Ollama, LM
 * Studio, anything on this machine's loopback address) that 0 is the truth — it is free — so the
 * chat says "free"; for any other model it says "price unknown", and the session's total never
 * shows a bare "$0" for replies whose price is not known. A reply whose input was not counted (an
 * answer cut by a stop of Studylog) is "price unknown" on every provider, a local one too.
 */
import type { ChatMessage } from './messages.ts';

/** A provider as GET /models lists it (only what locality needs). */
export interface ProviderPlace {
  id: string;
  kind: string;
  base_url: string;
  models: string[];
}

const LOCAL_KINDS = new Set(['ollama', 'lmstudio']);

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** A local server: its kind says so, or its address is this machine's. */
export function isLocalProvider(p: Pick<ProviderPlace, 'kind' | 'base_url'>): boolean {
  if (LOCAL_KINDS.has(p.kind)) return true;
  try {
    return isLoopbackHost(new URL(p.base_url).hostname);
  } catch {
    return false;
  }
}

/**
 * Whether a reply came from a local server: by the provider it records, else (older turns) by its
 * model, when every provider listing that model is local. Unknown: false (never claim "free").
 */
export function isLocalReply(providers: readonly ProviderPlace[], providerId: string | null | undefined, model: string | null): boolean {
  if (providerId) {
    const p = providers.find((x) => x.id === providerId);
    if (p) return isLocalProvider(p);
  }
  if (!model) return false;
  const serving = providers.filter((p) => p.models.includes(model));
  return serving.length > 0 && serving.every(isLocalProvider);
}

export type ReplyCost = { kind: 'priced'; cost: number } | { kind: 'free' } | { kind: 'unknown' };

/**
 * Whether the tokens sent for a reply were counted. An estimate of a prompt is never 0: an
 * estimated input of 0 is an answer cut by a stop of Studylog itself (answer-recorder.ts
 * recoverInterrupted counts what arrived, not what was sent), so its input — and its cost — are
 * not known, whatever the stored 0 says.
 */
export function inputCounted(usage: { tokens_in?: number; estimated?: boolean }): boolean {
  return !(usage.estimated === true && usage.tokens_in === 0);
}

/**
 * One reply's cost: priced, free (a local model without a price) or unknown (never a "$0" for a
 * cost not known). A reply whose input was not counted is unknown for every provider: "local" is
 * only a guess from the address (a relay on 127.0.0.1 in front of a paid API is local too — tryout
 * 8 showed such a cut answer as "free" beside priced answers from the same model).
 */
export function replyCost(usage: { cost: number; price_known: boolean; tokens_in?: number; estimated?: boolean }, local: boolean): ReplyCost {
  if (!inputCounted(usage)) return { kind: 'unknown' };
  if (usage.price_known) return { kind: 'priced', cost: usage.cost };
  return local ? { kind: 'free' } : { kind: 'unknown' };
}

/**
 * The replies on screen together: the priced cost, whether every reply was free, and how many
 * replies have no known price (their cost is missing from `cost`).
 */
export function totalCost(messages: readonly ChatMessage[], isLocal: (providerId: string | null | undefined, model: string | null) => boolean) {
  let cost = 0;
  let unknown = 0;
  let free = 0;
  let replies = 0;
  for (const m of messages) {
    if (m.kind !== 'assistant' || !m.usage) continue;
    replies++;
    const c = replyCost(m.usage, isLocal(m.providerId, m.model));
    if (c.kind === 'priced') cost += c.cost;
    else if (c.kind === 'free') free++;
    else unknown++;
  }
  return { cost, unknown, allFree: replies > 0 && free === replies };
}
