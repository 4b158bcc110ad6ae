/**
 * Only B2's queries, for measuring a change to one of them: `node bench/b2.ts [iterations]` (through
 * npx on the pinned Node). The serving process as `npm run bench` starts it (serve-child.ts, the
 * serving Node flags and environment), on the B2 history bench/data/b2 (generated if missing), its
 * `b2` step as run.ts asks for it (100 iterations by default). Prints the rows and the peak RSS;
 * writes nothing to RESULTS.md.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVE_NODE_FLAGS, serveEnv } from '../scripts/serve-flags.mjs';
import { startOpenAITestServer } from '../tests/support/openai-test-server.ts';
import { ensureHistory } from './generate.ts';
import { ms, type Summary } from './stats.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const iterations = Number(process.argv[2] ?? 100);
const dataDir = path.join(HERE, 'data', 'b2');
ensureHistory(dataDir, (line) => process.stderr.write(line + '\n'));
const provider = await startOpenAITestServer({ requiredApiKey: 'bench-key' });
const child = fork(path.join(HERE, 'serve-child.ts'), [], {
  execArgv: [...process.execArgv, ...SERVE_NODE_FLAGS],
  env: serveEnv(path.join(HERE, '..')),
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const waiting: ((m: unknown) => void)[] = [];
child.on('message', (m) => waiting.shift()?.(m));
const next = <T>() => new Promise<T>((resolve) => waiting.push(resolve as (m: unknown) => void));
async function ask<T>(message: object): Promise<T> {
  const answer = next<T>();
  child.send(message);
  const result = await answer;
  if (result && typeof result === 'object' && 'error' in result) throw new Error(String((result as { error: unknown }).error));
  return result;
}

await next();
await ask({ cmd: 'start', dataDir, providerUrl: provider.url, apiKey: 'bench-key' });
const queries = await ask<Record<string, Summary & { rows: number }>>({ cmd: 'b2', iterations });
const stats = await ask<{ rssPeakMb: number }>({ cmd: 'stats' });
await ask({ cmd: 'stop' });
await provider.close();
for (const [name, s] of Object.entries(queries)) console.log(`${name}: ${s.rows} rows, p50 ${ms(s.p50)}, p95 ${ms(s.p95)}`);
console.log(`peak RSS ${stats.rssPeakMb.toFixed(0)} MB`);
