// `npm start` as a person meets it (scripts/start.mjs --headless, what it does where Electron's
// binary is missing): with out/ already built, nothing but Studylog's own short block — no bundler
// lines (chunk-size warnings, "built in …", vite's banner) — then a clean stop on SIGTERM.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE_NAME } from '../../src/main/core/serving-lock.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIsStale, ensureAppBuilt } from '../support/browser.ts';
import { parseServeBlock, SERVE_LOCALE_ENV } from '../support/serve-output.ts';
import { spawnGroup } from '../support/process-group.ts';
import { tempDir } from '../support/temp.ts';

const START = fileURLToPath(new URL('../../scripts/start.mjs', import.meta.url));
const BUNDLER = /chunk|vite|rolldown|built in|modules transformed|transforming|\.js\s+\d|kB/i;

beforeAll(() => ensureAppBuilt(), 180_000);

/** The environment without the developer's own Studylog and OpenAI settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(STUDYLOG_|OPENAI_)/.test(k)) env[k] = v;
  return env;
}

/**
 * `npm start`'s script with these arguments and environment, its output collected; taken down
 * (its process group: start.mjs runs the server in its own) if the test ends with it running.
 */
function runStart(args: string[], env: NodeJS.ProcessEnv) {
  const run = spawnGroup(process.execPath, [START, ...args], { env: { ...cleanEnv(), ...env } });
  const { child } = run;
  /** Resolves once stdout so far gives `read` a value (or the script exits: then what it gives). */
  const until = <T>(read: (out: string) => T | null) =>
    new Promise<T | null>((resolve) => {
      child.stdout.on('data', () => {
        const value = read(run.out);
        if (value !== null) resolve(value);
      });
      void run.exited.then(() => resolve(read(run.out)));
    });
  return Object.assign(run, { until });
}

describe('npm start (headless)', () => {
  it('prints only the short block on a normal start, and stops cleanly', async () => {
    expect(buildIsStale()).toBe(false);
    const dataDir = tempDir('studylog-start-');
    const run = runStart(['--headless', '--data-dir', dataDir, '--port', '0'], SERVE_LOCALE_ENV);
    const block = await run.until(parseServeBlock);
    const { child, exited } = run;
    const { out, err } = run;
    expect(block, `stdout: ${out}\nstderr: ${err}`).not.toBeNull();

    const lines = out.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines).toEqual([
      `Studylog is serving ${block!.url}`,
      `Sign in: open this link in your browser (works once, for 15 minutes): ${block!.signinUrl}`,
      `Admin token (shown only this once; keep it safe): ${block!.adminToken}`,
    ]);
    // (The random code and token are taken out first: they could spell "kB" by chance.)
    const printed = `${out}\n${err}`.replaceAll(block!.signinUrl, '<link>').replaceAll(block!.adminToken!, '<token>');
    expect(printed.split('\n').filter((l) => BUNDLER.test(l))).toEqual([]);
    // Up to date: no build at all, so not even our own note about one.
    expect(err).toBe('');

    // The page it points to is the built web app.
    const page = await fetch(`${block!.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script type="module"[^>]*src="\.\/assets\/index-/);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('speaks Chinese to a Chinese terminal (LANG=zh_CN.UTF-8): its own note, the block and the stop', async () => {
    expect(buildIsStale()).toBe(false);
    const dataDir = tempDir('studylog-start-');
    // No --headless, and Electron's binary looked for in an empty folder: the "no Electron here" path.
    const run = runStart(['--data-dir', dataDir, '--port', '0'], {
      LC_ALL: '',
      LC_MESSAGES: '',
      LANG: 'zh_CN.UTF-8',
      ELECTRON_OVERRIDE_DIST_PATH: tempDir('studylog-no-electron-'),
    });
    await run.until((out) => (/令牌.*\n/.test(out) ? true : null));
    const { child, exited, out } = run;
    const lines = out.trim().split('\n');
    expect(lines[0], `stdout: ${out}\nstderr: ${run.err}`).toBe('本机没有可用的 Electron 程序，改为以无界面方式运行同一个应用（在浏览器中使用）。');
    expect(lines[1]).toMatch(/^Studylog 正在运行：http:\/\/\S+$/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(run.err).toBe('studylog：正在停止（等待进行中的回答完成）…\n');
  });
  // Tryout 7: the server killed from outside (here SIGKILL, as the out-of-memory killer would) left
  // the terminal at its prompt without a word while the browser tab stopped getting answers.
  for (const [language, env, line] of [
    ['zh-CN', { LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN.UTF-8' }, /^studylog：Studylog 意外停止了（被信号 SIGKILL 终止）。.*再次运行 'npm start' 即可重新启动/],
    ['en', SERVE_LOCALE_ENV, /^studylog: Studylog stopped unexpectedly \(killed by SIGKILL\)\..*run 'npm start' again to restart it/],
  ] as const) {
    it(`says so, in the terminal's language (${language}), when its server is killed`, async () => {
      const dataDir = tempDir('studylog-start-');
      const run = runStart(['--headless', '--data-dir', dataDir, '--port', '0'], env);
      // Serving: the block's last line (the admin token) is out.
      await run.until((out) => (/(token|令牌).*\n/i.test(out) ? true : null));
      const { child, exited } = run;
      expect(run.err, `stdout: ${run.out}`).toBe('');
      // The server (start.mjs's child) holds the data directory's serving lock under its own pid.
      const server = Number(readFileSync(path.join(dataDir, LOCK_FILE_NAME), 'utf8').trim());
      expect(server).not.toBe(child.pid);
      process.kill(server, 'SIGKILL');
      expect(await exited).toBe(137);
      expect(run.err).toMatch(line);
      expect(run.err.trim().split('\n')).toHaveLength(1);
    });
  }
});
