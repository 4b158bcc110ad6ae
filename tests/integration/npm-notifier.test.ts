// Tryout 8 item 7: after the server was killed, `npm start` printed Studylog's Chinese last line
// and then npm's own English banner ("npm notice New minor version of npm available! …"). The
// repository's .npmrc turns npm's update check off for every npm command run in it.
//
// npm checks for a newer npm at its start (at most once a week per cache: a fresh HOME makes it
// due) and prints the banner as it exits. Here npm's registry is a local server that answers the
// check with a newer npm, so the check needs no network and is seen when it happens: a project
// without the file asks it (the control), `npm start` in this repository does not, and prints
// nothing of npm's own after Studylog's line.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../../src/main/core/serving-lock.ts';
import { ensureAppBuilt } from '../support/browser.ts';
import { spawnGroup } from '../support/process-group.ts';
import { tempDir } from '../support/temp.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NEWER_NPM = '99.0.0';

/**
 * A registry that knows one package, npm, at NEWER_NPM, and remembers who asked: each npm run gets
 * its own address (`${registryUrl}<run>/`), so a run's check is told from another's.
 */
let registry: Server;
let registryUrl = '';
const asked = new Map<string, number>();
const waiting = new Map<string, (() => void)[]>();

beforeAll(async () => {
  await ensureAppBuilt();
  registry = createServer((req, res) => {
    const [, run = '', what = ''] = new URL(req.url ?? '/', registryUrl).pathname.split('/');
    if (what === 'npm') {
      asked.set(run, (asked.get(run) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          name: 'npm',
          'dist-tags': { latest: NEWER_NPM },
          versions: { [NEWER_NPM]: { name: 'npm', version: NEWER_NPM, dist: { tarball: `${registryUrl}${run}/npm/-/npm-${NEWER_NPM}.tgz` } } },
        }),
      );
      for (const resolve of waiting.get(run) ?? []) resolve();
      waiting.delete(run);
    } else if (what === 'wait-for-the-check') {
      // The control's script: returns once its npm has asked for npm's latest version.
      const answer = () => res.end('checked');
      if (asked.has(run)) answer();
      else waiting.set(run, [...(waiting.get(run) ?? []), answer]);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => registry?.close(resolve));
});

/**
 * An environment as a person's terminal has it, for a first npm run: a fresh HOME (no ~/.npmrc,
 * an empty npm cache, so the weekly check is due), none of the npm_config_* the npm running these
 * tests exports (they would outrank the project's file), not CI (npm skips the check there), and
 * the local registry under the run's name.
 */
function personEnv(run: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|STUDYLOG_|OPENAI_)/i.test(k)) env[k] = v;
  return { ...env, HOME: tempDir('studylog-home-'), CI: 'false', npm_config_registry: `${registryUrl}${run}/`, ...extra };
}

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return spawnGroup('npm', args, { cwd, env });
}

describe("npm's update banner", () => {
  it('is off for npm run here by the repository’s .npmrc, not by this machine’s settings', () => {
    const get = (cwd: string) => spawnSync('npm', ['config', 'get', 'update-notifier'], { cwd, env: personEnv('config'), encoding: 'utf8' }).stdout.trim();
    expect(get(ROOT)).toBe('false');
    // The same environment anywhere else: npm's default.
    expect(get(tempDir('studylog-elsewhere-'))).toBe('true');
    expect(readFileSync(path.join(ROOT, '.npmrc'), 'utf8')).toMatch(/^update-notifier=false$/m);
  });

  it('control: npm does check, against the local registry, in a project without the file', async () => {
    const project = tempDir('studylog-control-');
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'control', version: '1.0.0', private: true, scripts: { start: `node -e "require('http').get(process.env.CHECKED, (r) => r.resume())"` } }),
    );
    const run = npm(['start'], project, personEnv('control', { CHECKED: `${registryUrl}control/wait-for-the-check` }));
    expect(await run.exited, run.err).toBe(0);
    expect(asked.get('control')).toBe(1);
  });

  it('never follows Studylog’s own last line after its server is killed (npm start, zh-CN)', async () => {
    const dataDir = tempDir('studylog-start-');
    const run = npm(['start', '--', '--headless', '--data-dir', dataDir, '--port', '0'], ROOT, personEnv('start', { LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN.UTF-8' }));
    // Serving (the block's last line, the admin token, is out): npm's check would have been asked long before.
    await new Promise<void>((resolve) => {
      const seen = () => /令牌.*\n/.test(run.out) && resolve();
      run.child.stdout.on('data', seen);
      void run.exited.then(() => resolve());
    });
    expect(run.err, `stdout: ${run.out}`).not.toMatch(/npm notice/);
    const server = Number(readFileSync(path.join(dataDir, LOCK_FILE_NAME), 'utf8').trim());
    process.kill(server, 'SIGKILL');
    expect(await run.exited).toBe(137);
    // Studylog's line is the last; nothing of npm's own (notice, error) after it.
    const lines = run.err.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^studylog：Studylog 意外停止了（被信号 SIGKILL 终止）。/);
    expect(run.err).not.toMatch(/^npm /m);
    // …because npm never asked for its latest version (what the banner comes from).
    expect(asked.get('start')).toBeUndefined();
  });
});
