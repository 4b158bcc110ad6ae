// A person's display name is one limit on both sides (shared/person-name.ts): a roster name the
// class hub took is filled into the desktop's name form from the hub link and must be taken by
// `PATCH /me` — a 150-character Chinese name once stopped there (the desktop took at most 100).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHubServer, type RunningHub } from '../../src/main/core/hub/server.ts';
import type { HubStore } from '../../src/main/core/hub/store.ts';
import { AddStudentSchema, HUB_PREFIX, JoinClassSchema, JoinHubInputSchema, type HubLinkStatus, type IssuedJoinCode } from '../../src/shared/api/hub.ts';
import { CreateTokenSchema, UpdateMeSchema } from '../../src/shared/api/schemas.ts';
import { PERSON_NAME_MAX_CHARS, personNameProblem } from '../../src/shared/person-name.ts';
import { hubTeacher, openHub } from '../support/hub.ts';
import { startApi, type ApiFixture } from '../support/http.ts';

/** `n` Chinese characters, not all the same (a real name's characters, repeated). */
const chineseName = (n: number) => Array.from({ length: n }, (_, i) => '欧阳明轩思远'[i % 6]).join('');

let store: HubStore;
let hub: RunningHub;
let api: ApiFixture;
beforeAll(async () => {
  store = await openHub('sqlite', null);
  hub = await startHubServer({ store, port: 0 });
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
  await hub?.close();
  await store?.close();
});

describe('a person’s name, one limit for the hub’s roster and the desktop', () => {
  test('a 150-character Chinese name goes from the roster through the hub link to PATCH /me', async () => {
    const name = chineseName(150);
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    // The teacher adds the student to the roster under that name.
    const added = await fetch(`${hub.url}${HUB_PREFIX}/classes/${klass.id}/students`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${teacher.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ student_no: '2024001', name }),
    });
    expect(added.status).toBe(201);
    const entry = (await added.json()) as IssuedJoinCode;
    expect(entry.name).toBe(name);

    // The laptop joins as that roster entry; the link keeps the name (Settings fills the name form with it).
    const joined = await api.api('POST', '/hub/join', { body: { hub_url: hub.url, code: klass.code, name, student_no: '2024001', join_code: entry.join_code } });
    expect(joined.status).toBe(200);
    const link = (await api.api('GET', '/hub/link')).json as HubLinkStatus;
    expect(link.student_name).toBe(name);

    // What the form sends: the desktop takes it.
    const renamed = await api.api('PATCH', '/me', { body: { name: link.student_name } });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ name });
    expect((await api.api('GET', '/me')).json).toMatchObject({ name });
  });

  test('every schema that takes a person’s name takes the longest one and refuses one more character', () => {
    const longest = chineseName(PERSON_NAME_MAX_CHARS);
    const over = chineseName(PERSON_NAME_MAX_CHARS + 1);
    const schemas = {
      AddStudentSchema: (name: string) => AddStudentSchema.safeParse({ student_no: '1', name }).success,
      JoinClassSchema: (name: string) => JoinClassSchema.safeParse({ code: 'ABCD', name }).success,
      JoinHubInputSchema: (name: string) => JoinHubInputSchema.safeParse({ hub_url: 'http://hub.lan:5124', code: 'ABCD', name }).success,
      UpdateMeSchema: (name: string) => UpdateMeSchema.safeParse({ name }).success,
      CreateTokenSchema: (name: string) => CreateTokenSchema.safeParse({ name, role: 'student' }).success,
      // The renderer's name form checks with the same function before sending.
      personNameProblem: (name: string) => personNameProblem(name) === null,
    };
    for (const [schema, takes] of Object.entries(schemas)) {
      expect([schema, takes(longest), takes(over), takes('  ')]).toEqual([schema, true, false, false]);
    }
    expect(personNameProblem(over)).toBe('too_long');
    expect(personNameProblem(' ')).toBe('empty');
  });
});
