// The transport runtime tracks work a transport runs itself (an export streamed over HTTP) as it
// tracks calls: shutdown refuses new work, waits out the grace period, then stops what is left.
import { describe, expect, it } from 'vitest';
import { TransportRuntime } from '../../src/main/core/api/runtime.ts';
import { setupCore } from '../support/core.ts';

describe('transport runtime: work begun by a transport', () => {
  it('is waited for by shutdown, then stopped; nothing new begins once shutdown has started', async () => {
    const core = await setupCore();
    const runtime = new TransportRuntime(core);
    const job = runtime.begin()!;
    expect(runtime.inFlight).toBe(1);
    const stopped = new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve()));
    const shutdown = runtime.shutdown({ graceMs: 20, settleMs: 2_000 });
    expect(runtime.begin()).toBeNull();
    await stopped; // the grace period passed with the export still running: it is told to stop
    job.end();
    await shutdown;
    expect(runtime.inFlight).toBe(0);
  });

  it('that ends within the grace period is never stopped', async () => {
    const core = await setupCore();
    const runtime = new TransportRuntime(core);
    const job = runtime.begin()!;
    const shutdown = runtime.shutdown({ graceMs: 5_000 });
    job.end();
    await shutdown;
    expect(job.signal.aborted).toBe(false);
  });
});
