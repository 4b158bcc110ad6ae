// The version tree (src/shared/turn-tree.ts), as the server and the app both read it: the active
// branch, where a switch lands, a turn's place among its versions.
import { describe, expect, it } from 'vitest';
import { activePath, childrenOf, newestLeafUnder, pathTo, versionsOf } from '../../src/shared/turn-tree.ts';

const t = (id: string, parent_id: string | null, role: 'user' | 'assistant' | 'system', created_at: number) => ({ id, parent_id, role, created_at });

describe('the version tree', () => {
  it('switching lands on the newest leaf below the chosen version', () => {
    const t = (id: string, parent_id: string | null, role: 'user' | 'assistant', created_at: number) => ({ id, parent_id, role, created_at });
    const turns = [t('q1', null, 'user', 1), t('a1', 'q1', 'assistant', 2), t('q2', 'a1', 'user', 3), t('a1b', 'q1', 'assistant', 4), t('q2b', 'a1', 'user', 5)];
    const children = childrenOf(turns);
    expect(newestLeafUnder(turns[1]!, children).id).toBe('q2b');
    expect(activePath(turns, undefined).map((x) => x.id)).toEqual(['q1', 'a1', 'q2b']);
    expect(activePath(turns, 'a1b').map((x) => x.id)).toEqual(['q1', 'a1b']);
    expect(versionsOf(turns[4]!, children)).toMatchObject({ index: 1, count: 2 });
  });

  it('ends the active branch at the newest message or answer unless one was chosen; system turns are never on it', () => {
    const turns = [t('q1', null, 'user', 1), t('a1', 'q1', 'assistant', 2), t('title', null, 'system', 9)];
    expect(activePath(turns, null).map((x) => x.id)).toEqual(['q1', 'a1']);
    expect(activePath(turns, 'title').map((x) => x.id)).toEqual(['q1', 'a1']);
    expect(activePath([], null)).toEqual([]);
  });

  it('survives a cycle written by hand (raw SQL) without looping', () => {
    const turns = [t('a', 'b', 'user', 1), t('b', 'a', 'assistant', 2)];
    expect(pathTo(turns, 'b').map((x) => x.id)).toEqual(['a', 'b']);
    expect(['a', 'b']).toContain(newestLeafUnder(turns[0]!, childrenOf(turns)).id);
  });
});
