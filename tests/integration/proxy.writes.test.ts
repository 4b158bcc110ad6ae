// Every write the proxy makes goes through the group commit (store.writes), the only place (with
// store.transaction) that hands out the write handle: the message, the streamed answer's flushes,
// the settled answer, and a failure's mark.
import { describe, expect, it } from 'vitest';
import { INDEX_ACTION } from '../../src/main/core/db/fts-indexer.ts';
import { collect, setupCore, TEST_CALLER } from '../support/core.ts';

async function recordingCore(options: Parameters<typeof setupCore>[0] = {}) {
  const core = await setupCore(options);
  const actions: string[] = [];
  const run = core.store.writes.run.bind(core.store.writes);
  core.store.writes.run = (action, write) => {
    // The search index's background write (fts-indexer.ts) runs a quarter of a second after a
    // commit, whenever that falls (between a message and its answer on a slow machine): not the
    // proxy's.
    if (action !== INDEX_ACTION) actions.push(action);
    return run(action, write);
  };
  // Whether each repository write ran inside a transaction (a group commit's, here); one made
  // outside it would commit on its own.
  const insideTransaction: boolean[] = [];
  const watch = <T extends object>(repo: T, methods: (keyof T)[]) => {
    for (const name of methods) {
      const method = (repo[name] as (...args: unknown[]) => unknown).bind(repo);
      Object.assign(repo, {
        [name]: (...args: unknown[]) => {
          insideTransaction.push(core.store.sqlite.inTransaction);
          return method(...args);
        },
      });
    }
  };
  watch(core.turns, ['insertNewTurn', 'updateTurnById']);
  watch(core.sessions, ['insertNewSession', 'updateSessionById', 'deleteSessionById']);
  return { core, actions, insideTransaction };
}

describe('proxy: writes go through the group commit', () => {
  it('an answered message: the message, then the answer', async () => {
    const { core, actions } = await recordingCore();
    await core.proxy.send(TEST_CALLER, { message: 'hi' });
    expect(actions).toEqual(['record the message', 'record the answer']);
  });

  it('a failed message: the message, then its failure', async () => {
    const { core, actions } = await recordingCore({ defaults: { fault: { kind: 'status', status: 500 } } });
    await expect(core.proxy.send(TEST_CALLER, { message: 'hi' })).rejects.toMatchObject({ code: 'upstream_error' });
    expect(actions).toEqual(['record the message', 'record the failure']);
  });

  it('a streamed answer: its flushes too, and no write happens outside them', async () => {
    const { core, actions, insideTransaction } = await recordingCore({ defaults: { reply: 'x'.repeat(40), chunkSize: 4 } });
    const events = await collect(core.proxy.stream(TEST_CALLER, { message: 'go' }));
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    expect(actions[0]).toBe('record the message');
    expect(actions).toContain('record the answer so far');
    expect(actions.at(-1)).toBe('record the answer');
    // The session and the message, each flush, the answer and the message's status.
    expect(insideTransaction).toHaveLength(2 + actions.filter((a) => a === 'record the answer so far').length + 2);
    expect(insideTransaction.every(Boolean)).toBe(true);
  });

  it('a stream the provider cuts: the partial answer and the failure', async () => {
    const { core, actions } = await recordingCore({ defaults: { reply: 'y'.repeat(40), chunkSize: 4, fault: { kind: 'cut', afterChunks: 3 } } });
    await expect(collect(core.proxy.stream(TEST_CALLER, { message: 'go' }))).rejects.toMatchObject({ code: 'upstream_unreachable' });
    expect(actions[0]).toBe('record the message');
    expect(actions.slice(-2)).toEqual(['record the answer', 'record the failure']);
  });
});
