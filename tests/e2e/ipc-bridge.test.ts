// The same renderer build as Electron loads it: with a `window.studylog` bridge present it uses
// the IPC transport (no sign-in, no token in the page) and streams and stops through the bridge's
// stream/cancelStream functions. The Electron binary cannot run here, so the bridge is a test
// double with the preload's exact shape, whose calls Playwright carries to the real server.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { httpTransport } from '../../src/shared/api/client.ts';
import type { StreamEvent } from '../../src/shared/api/envelope.ts';
import type { StreamRouteName, UnaryRouteName } from '../../src/shared/api/routes.ts';
import { sendMessage, startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');

// Runs in the page (addInitScript / evaluate); the tests compile without the DOM library.
type Streams = Record<string, (event: unknown) => void>;
declare const window: {
  studylog?: unknown;
  __streams: Streams;
  __call(name: string, input: unknown): Promise<unknown>;
  __stream(requestId: string, input: unknown): Promise<unknown>;
  __cancel(requestId: string): Promise<void>;
};
declare const localStorage: { getItem(key: string): string | null };

let e2e: E2E;
let page: Page;
const calls: string[] = [];

beforeAll(async () => {
  e2e = await startE2E();
  const transport = httpTransport({ baseUrl: e2e.url, token: e2e.token });
  const running = new Map<string, AbortController>();
  page = await e2e.newPage({ signedIn: false });
  await page.exposeFunction('__call', (name: UnaryRouteName, input: unknown) => {
    calls.push(name);
    return transport.call(name, input);
  });
  await page.exposeFunction('__stream', async (requestId: string, input: unknown) => {
    calls.push('streamProxyMessage');
    const controller = new AbortController();
    running.set(requestId, controller);
    try {
      return await transport.stream('streamProxyMessage' as StreamRouteName, input, {
        signal: controller.signal,
        onEvent: (event: StreamEvent) => void page.evaluate(([id, e]) => window.__streams[id]?.(e), [requestId, event] as const).catch(() => {}),
      });
    } finally {
      running.delete(requestId);
    }
  });
  await page.exposeFunction('__cancel', (requestId: string) => {
    calls.push('cancelStream');
    running.get(requestId)?.abort();
  });
  // The preload's shape: one function per unary route returning the envelope, the stream route
  // taking (requestId, input, onEvent), and cancelStream(requestId).
  await page.addInitScript(() => {
    window.__streams = {};
    const bridge: Record<string, unknown> = {
      streamProxyMessage: async (requestId: string, input: unknown, onEvent: (e: unknown) => void) => {
        window.__streams[requestId] = onEvent;
        try {
          return await window.__stream(requestId, input);
        } finally {
          delete window.__streams[requestId];
        }
      },
      cancelStream: (requestId: string) => window.__cancel(requestId),
    };
    window.studylog = new Proxy(bridge, { get: (target, name: string) => target[name] ?? ((input: unknown) => window.__call(name, input)) });
  });
  await page.goto(e2e.url);
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe.skipIf(chromium.skip)(`the renderer over the Electron bridge${chromium.note}`, () => {
  test('opens straight into the app: no sign-in, no token stored', async () => {
    await page.getByTestId('composer').waitFor();
    await expect(page.locator('input[name="token"]').count()).resolves.toBe(0);
    await expect(page.locator('button', { hasText: 'Sign out' }).count()).resolves.toBe(0);
    await expect(page.evaluate(() => localStorage.getItem('studylog.token'))).resolves.toBeNull();
    expect(calls).toContain('getMe');
  });

  test('streams a reply and stops one through the bridge', async () => {
    await sendMessage(page, 'Hello over IPC');
    await expect.poll(() => page.locator('[data-role="assistant"]').last().getAttribute('data-status')).toBe('complete');
    await expect(page.locator('[data-role="assistant"]').last().textContent()).resolves.toContain('Echo: Hello over IPC');

    await sendMessage(page, `Slowly [[test:{"chunkDelayMs":40,"reply":"${'slow '.repeat(150)}"}]]`);
    // Some of the answer's own text has arrived (not just the "Thinking…" placeholder).
    await expect
      .poll(async () => ((await page.locator('[data-role="assistant"]').last().locator('.markdown, .plain-text').first().textContent()) ?? '').length)
      .toBeGreaterThan(20);
    await page.getByTestId('stop').click();
    await expect.poll(() => page.locator('[data-role="assistant"]').last().getAttribute('data-status')).toBe('aborted');
    expect(calls).toContain('cancelStream');
    const session = (await e2e.api.getUserSessions({ limit: 1 })).items[0]!;
    await expect
      .poll(async () => (await e2e.api.getSessionTurns({ id: session.id })).filter((t) => t.role === 'assistant').map((t) => t.meta.status))
      .toEqual(['complete', 'aborted']);
  });
});
