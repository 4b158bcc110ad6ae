// `npm start` as a person meets it (scripts/start.mjs --headless, what it does where Electron's
// binary is missing): with out/ already built, nothing but Studylog's own short block — no bundler
// lines (chunk-size warnings, "built in …", vite's banner) — then a clean stop on SIGTERM.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE_NAME } from '../../src/main/core/serving-lock.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIsStale, ensureAppBuilt } from '../support/browser.ts';
import { parseServeBlock, SERVE_LOCALE_ENV } from '../support/serve-output.ts';
import { onCleanup, tempDir } from '../support/temp.ts';

const START = fileURLToPath(new URL('../../scripts/start.mjs', import.meta.url));
const BUNDLER = /chunk|vite|rolldown|built in|modules transformed|transforming|\.js\s+\d|kB/i;

beforeAll(() => ensureAppBuilt(), 180_000);

describe('npm start (headless)', () => {
  it('prints only the short block on a normal start, and stops cleanly', async () => {
    expect(buildIsStale()).toBe(false);
    const dataDir = tempDir('studylog-start-');
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(STUDYLOG_|OPENAI_)/.test(k)) env[k] = v;
    const child = spawn(process.execPath, [START, '--headless', '--data-dir', dataDir, '--port', '0'], { env: { ...env, ...SERVE_LOCALE_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(() => {
      // start.mjs runs the server in its own process group: take both down if the test failed.
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // the group is gone already
        }
        child.kill('SIGKILL');
      }
    });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const block = await new Promise<ReturnType<typeof parseServeBlock>>((resolve) => {
      const check = () => {
        const parsed = parseServeBlock(out);
        if (parsed) resolve(parsed);
      };
      child.stdout!.on('data', check);
      void exited.then(() => resolve(parseServeBlock(out)));
    });
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
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(STUDYLOG_|OPENAI_)/.test(k)) env[k] = v;
    // No --headless, and Electron's binary looked for in an empty folder: the "no Electron here" path.
    const child = spawn(process.execPath, [START, '--data-dir', dataDir, '--port', '0'], {
      env: { ...env, LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN.UTF-8', ELECTRON_OVERRIDE_DIST_PATH: tempDir('studylog-no-electron-') },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // the group is gone already
        }
      }
    });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      const check = () => {
        if (/令牌.*\n/.test(out)) resolve();
      };
      child.stdout!.on('data', check);
      void exited.then(() => resolve());
    });
    const lines = out.trim().split('\n');
    expect(lines[0], `stdout: ${out}\nstderr: ${err}`).toBe('本机没有可用的 Electron 程序，改为以无界面方式运行同一个应用（在浏览器中使用）。');
    expect(lines[1]).toMatch(/^Studylog 正在运行：http:\/\/\S+$/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toBe('studylog：正在停止（等待进行中的回答完成）…\n');
  });
  // Tryout 7: the server killed from outside (here SIGKILL, as the out-of-memory killer would) left
  // the terminal at its prompt without a word while the browser tab stopped getting answers.
  for (const [language, env, line] of [
    ['zh-CN', { LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN.UTF-8' }, /^studylog：Studylog 意外停止了（被信号 SIGKILL 终止）。.*再次运行 'npm start' 即可重新启动/],
    ['en', SERVE_LOCALE_ENV, /^studylog: Studylog stopped unexpectedly \(killed by SIGKILL\)\..*run 'npm start' again to restart it/],
  ] as const) {
    it(`says so, in the terminal's language (${language}), when its server is killed`, async () => {
      const dataDir = tempDir('studylog-start-');
      const base: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!/^(STUDYLOG_|OPENAI_)/.test(k)) base[k] = v;
      const child = spawn(process.execPath, [START, '--headless', '--data-dir', dataDir, '--port', '0'], {
        env: { ...base, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      onCleanup(() => {
        if (child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // the group is gone already
          }
        }
      });
      let out = '';
      let err = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Serving: the block's last line (the admin token) is out.
      await new Promise<void>((resolve) => {
        const check = () => {
          if (/(token|令牌).*\n/i.test(out)) resolve();
        };
        child.stdout!.on('data', check);
        void exited.then(() => resolve());
      });
      expect(err, `stdout: ${out}`).toBe('');
      // The server (start.mjs's child) holds the data directory's serving lock under its own pid.
      const server = Number(readFileSync(path.join(dataDir, LOCK_FILE_NAME), 'utf8').trim());
      expect(server).not.toBe(child.pid);
      process.kill(server, 'SIGKILL');
      expect(await exited).toBe(137);
      expect(err).toMatch(line);
      expect(err.trim().split('\n')).toHaveLength(1);
    });
  }
});
