/**
 * The headless `studylog` command. Runs in plain Node 24 (no `electron` import anywhere below).
 * Data goes to stdout only where a script should capture it; notes and errors go to stderr.
 */
import { parseArgs } from 'node:util';
import { isApiError } from '../shared/errors.ts';
import { databaseFile, resolveDataDir } from './core/config.ts';
import { openDatabase, type Store } from './core/db/connection.ts';

const USAGE = `Usage: studylog <command> [options]

Commands:
  migrate     open (or create) the database, apply pending migrations, print a summary

Options:
  --data-dir D   where Studylog keeps its data (default: STUDYLOG_DATA_DIR, else the
                 platform's app-data folder for "Studylog")
  -h, --help     show this help`;

function summary(store: Store): string {
  const count = (table: string) => (store.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const r = store.openReport;
  return [
    `database: ${store.file}${r.created ? ' (created)' : ''}`,
    `migrations applied now: ${r.appliedMigrations.length ? r.appliedMigrations.join(', ') : 'none (up to date)'}`,
    ...(r.backupFile ? [`backup before migrating: ${r.backupFile}`] : []),
    `sessions: ${count('session')}, turns: ${count('turn')}`,
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return command || values.help ? 0 : 2;
  }
  const dataDir = resolveDataDir(values['data-dir']);
  switch (command) {
    case 'migrate': {
      const store = openDatabase(databaseFile(dataDir));
      try {
        process.stdout.write(summary(store) + '\n');
      } finally {
        store.close();
      }
      return 0;
    }
    default:
      process.stderr.write(`studylog: unknown command '${command}'\n\n${USAGE}\n`);
      return 2;
  }
}

/** Runs a command and turns any failure into one clear line on stderr and exit code 1. */
export async function run(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    // A known failure (corrupt database, unknown migration, bad flag) is one line, no stack.
    const message = isApiError(error) ? `${error.detail} [${error.code}]` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`studylog: ${message}\n`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await run(process.argv.slice(2));
