import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

describe('studylog migrate', () => {
  it('creates the database in --data-dir and prints a summary; a second run applies nothing', () => {
    const dir = tempDir();
    const first = runCli(['migrate', '--data-dir', dir]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`database: ${path.join(dir, 'studylog.db')} (created)`);
    expect(first.stdout).toMatch(/migrations applied now: 0000_init, 0001_turn_fts, .*0003_assignments_users_tokens/);
    expect(first.stdout).toContain('sessions: 0, turns: 0, assignments: 0');
    expect(existsSync(path.join(dir, 'studylog.db'))).toBe(true);
    expect(runCli(['migrate', '--data-dir', dir]).stdout).toContain('none (up to date)');
  });

  it('honours STUDYLOG_DATA_DIR', () => {
    const dir = tempDir();
    expect(runCli(['migrate'], { STUDYLOG_DATA_DIR: dir }).code).toBe(0);
    expect(existsSync(path.join(dir, 'studylog.db'))).toBe(true);
  });

  it('exits 1 with one clear line for a corrupt database', () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'studylog.db'), 'garbage'.repeat(1000));
    const run = runCli(['migrate', '--data-dir', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^studylog: The Studylog database .*studylog\.db cannot be read .*\[db_corrupt\]/);
  });

  it('exits 2 with usage for an unknown command', () => {
    const run = runCli(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown command 'frobnicate'");
    expect(run.stderr).toContain('Usage: studylog');
  });
});
