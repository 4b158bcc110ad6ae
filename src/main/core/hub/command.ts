/**
 * `studylog hub …` (the class hub) and `studylog sync …` (a desktop's one sync round), called
 * from cli.ts. What a script captures (the URL, a token) goes to stdout; notes to stderr, in the
 * terminal's language.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ApiError } from '../../../shared/errors.ts';
import { createCore } from '../app.ts';
import { resolveDataDir, systemLanguage } from '../config.ts';
import { SyncClient } from '../sync/client.ts';
import { startHubServer } from './server.ts';
import { openPgHub, openSqliteHub, sql } from './sql.ts';
import { HubStore } from './store.ts';

export const HUB_DEFAULT_PORT = 5124;
const RENDERER_DIR = fileURLToPath(new URL('../../../../out/renderer', import.meta.url));

export const HUB_USAGE = `Usage: studylog hub [serve] [--database-url postgres://…] [--host H] [--port P] [--lan] [--allowed-host NAME]…
       studylog hub token create --name N --role teacher|admin
       studylog hub token revoke DEVICE_ID
       studylog sync --hub URL [--token T]      (one sync round of this laptop; token also from STUDYLOG_HUB_TOKEN)

  hub serve      the class hub: its API under /api/v1/hub and the teacher's dashboard (#/hub),
                 on PostgreSQL with --database-url (or STUDYLOG_HUB_DATABASE_URL), else on
                 SQLite (hub.db in the data directory); default http://127.0.0.1:${HUB_DEFAULT_PORT}.
                 The first start prints an admin token once.
  --allowed-host NAME  a host name students' laptops use for the hub (e.g. hub.school.lan); other
                 Host headers are refused (DNS rebinding). localhost, the bound address and, with
                 --lan, this machine's LAN addresses and name are always accepted.
  --data-dir D   where the SQLite hub (and a desktop's data) lives`;

const zh = () => systemLanguage() === 'zh-CN';

function usage(message: string): ApiError {
  return new ApiError('validation_error', `${message}\n\n${HUB_USAGE}`);
}

async function openHubStore(values: { 'database-url'?: string | undefined; 'data-dir'?: string | undefined }): Promise<HubStore> {
  const url = values['database-url'] ?? process.env.STUDYLOG_HUB_DATABASE_URL;
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw usage(`--database-url must be a postgres:// URL, not '${url}'.`);
    return new HubStore(await openPgHub(url));
  }
  return new HubStore(openSqliteHub(path.join(resolveDataDir(values['data-dir']), 'hub.db')));
}

export async function hubMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      lan: { type: 'boolean' },
      'allowed-host': { type: 'string', multiple: true },
      name: { type: 'string' },
      role: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HUB_USAGE + '\n');
    return 0;
  }
  const [sub = 'serve', action, ...rest] = positionals;
  const store = await openHubStore(values);
  try {
    if (sub === 'token') {
      if (action === 'create') {
        if (!values.name) throw usage('hub token create needs --name.');
        if (values.role !== 'teacher' && values.role !== 'admin') throw usage('hub token create needs --role teacher or --role admin (students join with a class code).');
        const user = await store.createUser(values.name, values.role);
        const device = await store.issueDevice(user.id, 'cli');
        process.stdout.write(`${device.token}\n`);
        process.stderr.write(
          zh()
            ? `已为 ${values.name}（${values.role}）创建令牌，设备 ${device.device_id}。它只显示这一次。\n`
            : `Created a token for ${values.name} (${values.role}), device ${device.device_id}. It is shown only this once.\n`,
        );
        return 0;
      }
      if (action === 'revoke') {
        const id = rest[0];
        if (!id) throw usage('hub token revoke needs the device id.');
        const changed = await store.db.run(sql`UPDATE hub_device SET revoked_at = ${Date.now()} WHERE id = ${id} AND revoked_at IS NULL`);
        if (!changed) throw new ApiError('not_found', `There is no active device '${id}'.`);
        process.stderr.write(zh() ? `已吊销设备 ${id}。\n` : `Revoked device ${id}.\n`);
        return 0;
      }
      throw usage(`Unknown hub token command '${action ?? ''}'.`);
    }
    if (sub !== 'serve') throw usage(`Unknown hub command '${sub}'.`);
    const port = values.port === undefined ? HUB_DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port must be a number from 0 to 65535, not '${values.port}'.`);
    const admins = await store.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_user WHERE role = 'admin'`);
    let adminToken: string | null = null;
    if (Number(admins[0]?.n ?? 0) === 0) {
      const admin = await store.createUser('admin', 'admin');
      adminToken = (await store.issueDevice(admin.id, 'first start')).token;
    }
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    process.once('SIGINT', () => stop());
    process.once('SIGTERM', () => stop());
    const hub = await startHubServer({
      store,
      port,
      host: values.host ?? (values.lan ? '0.0.0.0' : '127.0.0.1'),
      ...(values.lan ? { lan: true } : {}),
      allowedHosts: values['allowed-host'] ?? [],
      staticDir: existsSync(path.join(RENDERER_DIR, 'index.html')) ? RENDERER_DIR : null,
    });
    const where = store.db.dialect === 'pg' ? `PostgreSQL ${store.db.where}` : `SQLite ${store.db.where}`;
    process.stdout.write(
      [
        zh() ? `Studylog 班级中心正在运行：${hub.url}（数据库：${where}）` : `Studylog hub is serving ${hub.url} (database: ${where})`,
        ...(adminToken ? [zh() ? `管理员令牌（只显示这一次，请妥善保存）：${adminToken}` : `Admin token (shown only this once; keep it safe): ${adminToken}`] : []),
        // Last, so a script reading the block knows it has all of it.
        zh() ? `教师面板：${hub.url}/#/hub` : `Teacher dashboard: ${hub.url}/#/hub`,
      ].join('\n') + '\n',
    );
    await stopped;
    await hub.close();
    return 0;
  } finally {
    await store.close();
  }
}

export async function syncMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { hub: { type: 'string' }, token: { type: 'string' }, 'data-dir': { type: 'string' } } });
  const token = values.token ?? process.env.STUDYLOG_HUB_TOKEN;
  if (!values.hub || !token) throw usage('sync needs --hub URL and a token (--token, or STUDYLOG_HUB_TOKEN).');
  const core = createCore({ dataDir: resolveDataDir(values['data-dir']), secrets: null });
  try {
    // This installation's owner's items only: a hub token is one student's identity.
    const client = new SyncClient({ store: core.store, hubUrl: values.hub, token, userId: core.owner.id });
    const report = await client.sync({ force: true });
    process.stdout.write(JSON.stringify({ ...report, error: client.state.last_error, refused: client.state.refused }) + '\n');
    return report.status === 'synced' ? 0 : 1;
  } finally {
    core.close();
  }
}
