// A real PostgreSQL for the hub's tests: HUB_TEST_DATABASE_URL when set (a server you run), else a
// throwaway cluster this helper starts in a temp dir on a free loopback port (TOOLCHAIN.md:
// initdb refuses root, so as root it runs as the `postgres` user via runuser) and stops after the
// file's tests. Each test gets a fresh database on it. Without postgresql installed the tests
// skip (requirements.ts), or fail under CI=true.
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { postgresBinDir } from './requirements.ts';

export interface PgServer {
  /** A URL for the `postgres` database (administration); see createDatabase for a test's own. */
  adminUrl: string;
  stop(): void;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function run(command: string, args: string[], asPostgres: boolean): void {
  const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
}

/**
 * Starts a throwaway cluster (or points at HUB_TEST_DATABASE_URL). `settings` are extra server
 * settings (`-c name=value`), e.g. bench/hub.ts's memory and WAL sizes for a full term.
 */
export async function startPostgres(settings: Record<string, string> = {}): Promise<PgServer> {
  if (process.env.HUB_TEST_DATABASE_URL) return { adminUrl: process.env.HUB_TEST_DATABASE_URL, stop: () => {} };
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql).');
  const asPostgres = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'studylog-pg-'));
  if (asPostgres) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  const data = path.join(dir, 'data');
  run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '-N'], asPostgres);
  const port = await freePort();
  // fsync off: a test cluster's durability is not under test, and 2 cores are shared.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off${Object.entries(settings)
    .map(([name, value]) => ` -c ${name}=${value}`)
    .join('')}`;
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start'], asPostgres);
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], asPostgres);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh, empty database on the server; its URL. */
export async function createDatabase(server: PgServer): Promise<string> {
  const name = `hub_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
