// The headless server as its user meets it: `studylog serve` on a fresh data dir prints a short
// block — its URL, a one-time sign-in link and, once, an admin token (later starts: how to make
// one); the link's code is exchanged for a token once; the seed's three curl calls work against it (real curl when there is
// one); `studylog token …` manages tokens while it runs; `studylog export` prints a conversation;
// SIGTERM stops it cleanly. The model is the OpenAI test server, configured only through the
// environment (OPENAI_BASE_URL + OPENAI_API_KEY → provider "env", STUDYLOG_MODEL picks the model).
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI } from '../support/cli.ts';
import { runCliAsync } from '../support/http.ts';
import { startOpenAITestServer } from '../support/openai-test-server.ts';
import { parseServeBlock, SERVE_LOCALE_ENV, type ServeBlock } from '../support/serve-output.ts';
import { startServe } from '../support/serve-process.ts';
import { tempDir } from '../support/temp.ts';

const KEY = 'fake-key-cli-serve-test-key-0123456789';

interface Served {
  child: ChildProcess;
  url: string;
  adminToken: string | null;
  block: ServeBlock;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Resolves once `seen()` holds, checked on each chunk the child prints (listen for the output
 * first, so the chunk is already counted) — or once the child has exited.
 */
function untilOutput(child: ChildProcess, seen: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!seen() && child.exitCode === null && child.signalCode === null) return;
      child.stdout!.off('data', check);
      child.off('exit', check);
      resolve();
    };
    child.stdout!.on('data', check);
    child.on('exit', check);
    check();
  });
}

/** Starts `studylog serve --port 0` (English output) and waits for its whole block. */
async function serve(dataDir: string, env: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--port', '0'], {
    env: { ...process.env, ...SERVE_LOCALE_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await untilOutput(child, () => parseServeBlock(out) !== null);
  const block = parseServeBlock(out);
  expect(block, `stdout: ${out}\nstderr: ${err}`).not.toBeNull();
  return { child, url: block!.url, adminToken: block!.adminToken, block: block!, stdout: () => out, stderr: () => err, exited };
}

/** Trades a sign-in code for a token, as the web app does. */
async function exchange(url: string, code: string): Promise<{ status: number; json: { token?: string; code?: string } }> {
  const r = await fetch(`${url}/api/v1/llm/auth/signin-code`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code }) });
  return { status: r.status, json: (await r.json()) as { token?: string; code?: string } };
}

/** The one-time code in a sign-in link: in the fragment (never sent to a server), as `#/signin?code=…`. */
function codeOf(signinUrl: string, url: string): string {
  expect(signinUrl.startsWith(`${url}/#/signin?code=`), signinUrl).toBe(true);
  const code = new URLSearchParams(new URL(signinUrl).hash.split('?')[1]).get('code');
  expect(code).toMatch(/^[A-Za-z0-9_-]{32,}$/);
  return code!;
}

/** curl, as the seed writes it (fetch when this machine has no curl). */
async function curl(url: string, token: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const hasCurl = await new Promise<boolean>((resolve) => execFile('curl', ['--version'], (error) => resolve(!error)));
  if (!hasCurl) {
    const r = await fetch(url, {
      method: body ? 'POST' : 'GET',
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, json: await r.json() };
  }
  const args = ['-sS', '--noproxy', '*', '--max-time', '20', '-w', '\n%{http_code}', url, '-H', `Authorization: Bearer ${token}`];
  if (body) args.push('-X', 'POST', '-H', 'Content-Type: application/json', '-d', JSON.stringify(body));
  const out = await new Promise<string>((resolve, reject) => execFile('curl', args, { encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout))));
  const split = out.lastIndexOf('\n');
  return { status: Number(out.slice(split + 1)), json: JSON.parse(out.slice(0, split)) };
}

describe('studylog serve', () => {
  // A machine on no network, for real: serve in a network namespace of its own (only a loopback).
  const netns = spawnSync('unshare', ['-rn', 'true']).status === 0;
  it.skipIf(!netns)(
    `--lan with no LAN address: no (LAN: …) in the block, and stderr says nobody else will reach it and how to fix it${netns ? '' : ' (skipped: needs unshare -rn, user and network namespaces)'}`,
    async () => {
      const served = await startServe({ dataDir: tempDir(), prefix: ['unshare', '-rn'], args: ['--lan'] });
      expect(served.stdout()).not.toContain('(LAN:');
      expect(await served.waitForStderr(/no address on a local network.*\n/, 20_000)).not.toBeNull();
      expect(served.stderr()).toContain(
        "studylog: this machine has no address on a local network: other computers will not reach this Studylog. Connect it to the class network (the classroom's Wi-Fi or a cable), then start Studylog again.\n",
      );
      expect((await served.stop()).code).toBe(0);
    },
  );

  it('serves the seed’s curl calls, manages tokens and exports while running, and stops on SIGTERM', async () => {
    const openai = await startOpenAITestServer({ requiredApiKey: KEY });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'studylog-serve-'));
    onTestFinished(async () => {
      await openai.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    // Model-made titles off: the title call after the first answer (tested in versions.test.ts)
    // would add a provider call and a system turn while this test counts them.
    const env = { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: KEY, STUDYLOG_MODEL: 'gpt-4o-mini', STUDYLOG_DATA_DIR: '', STUDYLOG_MODEL_TITLES: 'off' };
    const cli = (...args: string[]) => runCliAsync([...args, '--data-dir', dataDir], env);

    // --port 0: the printed URL carries the port the system picked.
    const first = await serve(dataDir, env);
    const port = Number(new URL(first.url).port);
    expect(first.url).toBe(`http://127.0.0.1:${port}`);
    expect(port).toBeGreaterThan(0);
    expect(first.adminToken).toMatch(/^slk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    const admin = first.adminToken!;
    const api = `${first.url}/api/v1/llm`;

    // One short block: the URL, the sign-in link, the admin token — nothing else on stdout.
    expect(first.stdout().trim().split('\n')).toEqual([
      `Studylog is serving ${first.url}`,
      `Sign in: open this link in your browser (works once, for 15 minutes): ${first.block.signinUrl}`,
      `Admin token (shown only this once; keep it safe): ${admin}`,
    ]);
    // The long-lived token is never part of a URL.
    for (const link of first.stdout().match(/https?:\/\/\S+/g)!) expect(link).not.toContain('slk_');
    // The link's code signs the owner in: a working token, once; a wrong code is refused too.
    const code = codeOf(first.block.signinUrl, first.url);
    const signedIn = await exchange(first.url, code);
    expect(signedIn.status).toBe(200);
    expect(signedIn.json.token).toMatch(/^slk_/);
    expect(signedIn.json.token).not.toBe(admin);
    expect((await curl(`${api}/me`, signedIn.json.token!)).json).toMatchObject({ role: 'admin', name: 'owner' });
    expect(await exchange(first.url, code)).toEqual({ status: 401, json: expect.objectContaining({ code: 'unauthorized' }) });
    expect(await exchange(first.url, `${code.slice(0, -2)}xy`)).toEqual({ status: 401, json: expect.objectContaining({ code: 'unauthorized' }) });

    // The seed's "测试验证", call for call.
    const sent = await curl(`${api}/proxy`, admin, { message: '你好，这是测试', mode: 'chat' });
    expect(sent.status).toBe(200);
    const res = sent.json as { turn_id: string; session_id: string; content: string; model: string; meta: Record<string, unknown> };
    expect(res).toMatchObject({ turn_id: expect.any(String), session_id: expect.any(String), content: 'Echo: 你好，这是测试', model: 'gpt-4o-mini' });
    expect(res.meta).toMatchObject({ session_id: res.session_id, mode: 'chat', user_turn_id: expect.any(String) });
    expect(openai.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);

    const sessions = await curl(`${api}/sessions`, admin);
    expect(sessions.status).toBe(200);
    expect((sessions.json as { items: { id: string; mode: string }[] }).items).toEqual([expect.objectContaining({ id: res.session_id, mode: 'chat' })]);

    const turns = await curl(`${api}/sessions/${res.session_id}/turns`, admin);
    expect(turns.status).toBe(200);
    expect((turns.json as { id: string; role: string; content: string }[]).map((t) => [t.id, t.role, t.content])).toEqual([
      [res.meta.user_turn_id, 'user', '你好，这是测试'],
      [res.turn_id, 'assistant', 'Echo: 你好，这是测试'],
    ]);
    expect((await curl(`${api}/me`, admin)).json).toMatchObject({ role: 'admin' });

    // Tokens, while the server runs: made, listed, used, revoked.
    const [created, md, json] = await Promise.all([
      cli('token', 'create', '--name', 'Alice laptop', '--role', 'student'),
      cli('export', '--session', res.session_id, '--format', 'md'),
      cli('export', '--session', res.session_id, '--format', 'json'),
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^slk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}\n$/);
    const alice = created.stdout.trim();
    const { tokenId, userId } = /^Created token (?<tokenId>\S+) for Alice laptop \(student, user (?<userId>\S+)\)\./m.exec(created.stderr)!.groups!;
    expect((await curl(`${api}/me`, alice)).json).toMatchObject({ id: userId, role: 'student', name: 'Alice laptop' });

    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain(`- 会话：\`${res.session_id}\``);
    expect(md.stdout).toMatch(/### 学生 — .*\n\n你好，这是测试\n/);
    expect(md.stdout).toMatch(/### 助手 — .* · gpt-4o-mini\n\nEcho: 你好，这是测试\n/);
    expect(json.code, json.stderr).toBe(0);
    const exported = JSON.parse(json.stdout) as { sessions: { session: { id: string }; turns: { role: string; content: string }[] }[] };
    expect(exported.sessions.map((s) => [s.session.id, s.turns.map((t) => `${t.role}:${t.content}`)])).toEqual([
      [res.session_id, ['user:你好，这是测试', 'assistant:Echo: 你好，这是测试']],
    ]);

    const [second, listed] = await Promise.all([cli('token', 'create', '--name', 'Alice phone', '--user', userId!), cli('token', 'list')]);
    expect(second.code, second.stderr).toBe(0);
    const alicePhone = second.stdout.trim();
    expect(alicePhone).toMatch(/^slk_/);
    expect((await curl(`${api}/me`, alicePhone)).json).toMatchObject({ id: userId, role: 'student' });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${tokenId}\tAlice laptop\tAlice laptop (student, user ${userId})\t`);
    expect(listed.stdout).toMatch(/\tfirst admin token \(studylog serve\)\towner \(admin, user [0-9a-f-]{36}\)\t/);
    for (const token of [admin, alice]) {
      expect(listed.stdout).not.toContain(token.slice(-43));
      expect(listed.stdout).not.toContain(token);
    }

    const revoked = await cli('token', 'revoke', tokenId!);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe('');
    const refused = await curl(`${api}/me`, alice);
    expect(refused).toEqual({ status: 401, json: expect.objectContaining({ code: 'unauthorized' }) });
    expect((await curl(`${api}/me`, alicePhone)).status).toBe(200);
    const [relisted, unknown] = await Promise.all([cli('token', 'list'), cli('token', 'revoke', 'no-such-token')]);
    expect(relisted.stdout).toMatch(new RegExp(`${tokenId}\\tAlice laptop\\t.*\\trevoked \\d{4}-`));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("studylog: There is no token 'no-such-token'. [not_found]\n");

    // SIGTERM: exits 0 (bounded wait; a kill in cleanup otherwise).
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toContain('stopping');

    // Second start on the same data: a fresh sign-in link, no new admin token (how to make one
    // instead); the old token still works, the first start's code does not (it lived in memory).
    const again = await serve(dataDir, env);
    // Once it answers, whatever it prints at start-up has been printed.
    expect((await curl(`${again.url}/api/v1/llm/sessions`, admin)).json).toMatchObject({ total: 1 });
    expect(again.adminToken).toBeNull();
    expect(again.stdout()).not.toContain('slk_');
    expect(again.stdout().trim().split('\n')).toEqual([
      `Studylog is serving ${again.url}`,
      `Sign in: open this link in your browser (works once, for 15 minutes): ${again.block.signinUrl}`,
      'A token for scripts: npm run studylog -- token create --name NAME --role admin',
    ]);
    const code2 = codeOf(again.block.signinUrl, again.url);
    expect(code2).not.toBe(code);
    expect((await exchange(again.url, code)).status).toBe(401);
    expect((await exchange(again.url, code2)).status).toBe(200);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('speaks Chinese to a Chinese terminal (LANG=zh_CN.UTF-8), in the same short block', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'studylog-serve-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--port', '0'], {
      env: { ...process.env, STUDYLOG_DATA_DIR: '', LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await untilOutput(child, () => /令牌.*\n/.test(out));
    const lines = out.trim().split('\n');
    expect(lines, out).toHaveLength(3);
    const url = /^Studylog 正在运行：(http:\/\/\S+)$/.exec(lines[0]!)?.[1];
    expect(url, out).toBeDefined();
    const signin = /^在浏览器中打开此链接即可登录（仅可使用一次，15 分钟内有效）：(\S+)$/.exec(lines[1]!)?.[1];
    expect(signin, out).toBeDefined();
    expect(lines[2]).toMatch(/^管理员令牌，供脚本使用（只显示这一次，请妥善保存）：slk_\S+$/);
    expect((await exchange(url!, codeOf(signin!, url!))).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('token create, list and revoke speak Chinese to a Chinese terminal too; the token alone on stdout', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'studylog-token-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { STUDYLOG_DATA_DIR: '', LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN.UTF-8' };
    const cli = (...args: string[]) => runCliAsync([...args, '--data-dir', dataDir], env);
    const created = await cli('token', 'create', '--name', '小明的电脑', '--role', 'student');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^slk_\S+\n$/);
    const id = /^已为 小明的电脑（学生，用户 \S+）创建令牌 (\S+)。它只显示这一次。$/m.exec(created.stderr)?.[1];
    expect(id, created.stderr).toBeDefined();
    expect((await cli('token', 'list')).stdout).toContain('\t从未使用\n');
    expect((await cli('token', 'revoke', id!)).stderr).toBe(`已撤销令牌 ${id}（小明的电脑）。\n`);
    expect((await cli('token', 'list')).stdout).toMatch(/\t已于 \S+ 撤销\n/);
  });

  it('refuses a bad --port with usage (exit 2)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'studylog-serve-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const run = await runCliAsync(['serve', '--port', '70000', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--port must be a number from 0 to 65535, not '70000'");
  });
});
