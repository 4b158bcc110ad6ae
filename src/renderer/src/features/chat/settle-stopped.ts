/**
 * After a stop the server writes the partial answer's final tokens and cost; this picks them up
 * by reading the caller's recent turns a few times. It goes once a stopped stream delivers its
 * final answer itself (the transport runtime's symmetric cancellation).
 */
import type { ApiCache } from '../../data/cache.ts';
import type { ChatBox } from './chat-state.ts';
import { messagesFromTurns } from './messages.ts';

export async function settleStopped(box: ChatBox, cache: ApiCache, generation: number, key: string, turnId: string, startedAt: number): Promise<void> {
  for (let attempt = 0; attempt < 10 && box.isCurrent(generation); attempt++) {
    await new Promise((r) => setTimeout(r, 300));
    try {
      const turns = await cache.readAll('getTurns', { from: Math.max(0, startedAt - 60_000), to: Date.now() + 60_000 });
      const turn = turns.find((t) => t.id === turnId);
      if (!turn) continue;
      const [message] = messagesFromTurns([turn]);
      if (!message || message.kind !== 'assistant' || message.status === 'streaming') continue;
      if (box.isCurrent(generation)) box.patchMessage(key, { content: message.content, reasoning: message.reasoning, usage: message.usage, model: message.model, status: message.status });
      return;
    } catch {
      return;
    }
  }
}
