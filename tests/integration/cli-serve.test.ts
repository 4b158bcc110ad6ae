// The headless server as its user meets it: `studylog serve` on a fresh data dir prints its URL
// and, once, an admin token; the seed's three curl calls work against it (real curl when there is
// one); `studylog token …` manages tokens while it runs; `studylog export` prints a conversation;
// SIGTERM stops it cleanly. The model is the OpenAI test server, configured only through the
// environment (OPENAI_BASE_URL + OPENAI_API_KEY → provider "env", STUDYLOG_MODEL picks the model).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI } from '../support/cli.ts';
import { runCliAsync } from '../support/http.ts';
import { startOpenAITestServer } from '../support/openai-test-server.ts';

const KEY = 'fake-key-cli-serve-test-key-0123456789';

interface Served {
  child: ChildProcess;
  url: string;
  adminToken: string | null;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `studylog serve --port 0` and waits (bounded) for the URL line and, on a fresh data dir, the token line. */
async function serve(dataDir: string, env: NodeJS.ProcessEnv, fresh: boolean): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--port', '0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 400 && !(/serving .*\n/.test(out) && (!fresh || /Admin token.*\n/.test(out))); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const url = /^Studylog is serving (http:\/\/\S+)$/m.exec(out)?.[1];
  expect(url, `stdout: ${out}\nstderr: ${err}`).toBeDefined();
  return { child, url: url!, adminToken: /^Admin token \(shown only this once; keep it safe\): (slk_\S+)$/m.exec(out)?.[1] ?? null, stdout: () => out, stderr: () => err, exited };
}

/** curl, as the seed writes it (fetch when this machine has no curl). */
async function curl(url: string, token: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const hasCurl = await new Promise<boolean>((resolve) => execFile('curl', ['--version'], (error) => resolve(!error)));
  if (!hasCurl) {
    const r = await fetch(url, { method: body ? 'POST' : 'GET', headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: r.status, json: await r.json() };
  }
  const args = ['-sS', '--noproxy', '*', '--max-time', '20', '-w', '\n%{http_code}', url, '-H', `Authorization: Bearer ${token}`];
  if (body) args.push('-X', 'POST', '-H', 'Content-Type: application/json', '-d', JSON.stringify(body));
  const out = await new Promise<string>((resolve, reject) => execFile('curl', args, { encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout))));
  const split = out.lastIndexOf('\n');
  return { status: Number(out.slice(split + 1)), json: JSON.parse(out.slice(0, split)) };
}

describe('studylog serve', () => {
  it('serves the seed’s curl calls, manages tokens and exports while running, and stops on SIGTERM', async () => {
    const openai = await startOpenAITestServer({ requiredApiKey: KEY });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'studylog-serve-'));
    onTestFinished(async () => {
      await openai.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const env = { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: KEY, STUDYLOG_MODEL: 'gpt-4o-mini', STUDYLOG_DATA_DIR: '' };
    const cli = (...args: string[]) => runCliAsync([...args, '--data-dir', dataDir], env);

    // --port 0: the printed URL carries the port the system picked.
    const first = await serve(dataDir, env, true);
    const port = Number(new URL(first.url).port);
    expect(first.url).toBe(`http://127.0.0.1:${port}`);
    expect(port).toBeGreaterThan(0);
    expect(first.adminToken).toMatch(/^slk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    const admin = first.adminToken!;
    const api = `${first.url}/api/v1/llm`;

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
    const [created, md, json] = await Promise.all([cli('token', 'create', '--name', 'Alice laptop', '--role', 'student'), cli('export', '--session', res.session_id, '--format', 'md'), cli('export', '--session', res.session_id, '--format', 'json')]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^slk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}\n$/);
    const alice = created.stdout.trim();
    const { tokenId, userId } = /^Created token (?<tokenId>\S+) for Alice laptop \(student, user (?<userId>\S+)\)\./m.exec(created.stderr)!.groups!;
    expect((await curl(`${api}/me`, alice)).json).toMatchObject({ id: userId, role: 'student', name: 'Alice laptop' });

    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain(`- session: \`${res.session_id}\``);
    expect(md.stdout).toMatch(/### Student · 学生 — .*\n\n你好，这是测试\n/);
    expect(md.stdout).toMatch(/### Assistant · 助手 — .* · gpt-4o-mini\n\nEcho: 你好，这是测试\n/);
    expect(json.code, json.stderr).toBe(0);
    const exported = JSON.parse(json.stdout) as { sessions: { session: { id: string }; turns: { role: string; content: string }[] }[] };
    expect(exported.sessions.map((s) => [s.session.id, s.turns.map((t) => `${t.role}:${t.content}`)])).toEqual([[res.session_id, ['user:你好，这是测试', 'assistant:Echo: 你好，这是测试']]]);

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

    // Second start on the same data: a URL, no new admin token; the old one still works.
    const again = await serve(dataDir, env, false);
    // Once it answers, whatever it prints at start-up has been printed.
    expect((await curl(`${again.url}/api/v1/llm/sessions`, admin)).json).toMatchObject({ total: 1 });
    expect(again.adminToken).toBeNull();
    expect(again.stdout()).not.toContain('slk_');
    expect(again.stdout().trim().split('\n')).toEqual([`Studylog is serving ${again.url}`]);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('refuses a bad --port with usage (exit 2)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'studylog-serve-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const run = await runCliAsync(['serve', '--port', '70000', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--port must be a number from 0 to 65535, not '70000'");
  });
});
