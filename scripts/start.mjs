#!/usr/bin/env node
// `npm start`: the desktop app where Electron's binary is installed, else the same app headless
// (`studylog serve`, the web app in a browser). `--headless` (what `npm run serve` passes) serves
// even where Electron is installed. Runs on any Node >= 20: the work is done by the
// pinned Node 24 in node_modules/.bin, and Electron is never require()d here (that would try to
// download its binary).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIsStale } from './build-state.mjs';
import { SERVE_NODE_FLAGS, serveEnv } from './serve-flags.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const headless = process.argv.includes('--headless');
const args = process.argv.slice(2).filter((arg) => arg !== '--headless');
const isWindows = process.platform === 'win32';

/**
 * The terminal's language, as src/main/cli.ts systemLanguage reads it (kept here so this script
 * stays plain JS with no dependencies): LC_ALL, LC_MESSAGES, LANG, else Intl's locale; Chinese →
 * zh-CN, anything else (including "C") → English.
 */
const zh = /^zh([-_.@]|$)/i.test(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || Intl.DateTimeFormat().resolvedOptions().locale);
/** This script's own lines, in the terminal's language. */
const say = zh
  ? {
      noNode: "studylog：缺少固定版本的 Node 24（node_modules/.bin/node），请先运行 'npm ci'。\n",
      building: 'studylog：正在构建应用（首次启动，或源代码有改动）…\n',
      buildFailed: 'studylog：构建失败（见上方输出）。\n',
      cannotStart: (name, message) => `studylog：无法启动 ${name}：${message}\n`,
      noElectron: '本机没有可用的 Electron 程序，改为以无界面方式运行同一个应用（在浏览器中使用）。\n',
      died: (signal) => `studylog：Studylog 意外停止了（被信号 ${signal} 终止）。打开的页面现在无法连接到它；再次运行 'npm start' 即可重新启动，已保存的对话都还在。\n`,
    }
  : {
      noNode: "studylog: the pinned Node 24 is missing (node_modules/.bin/node); run 'npm ci' first.\n",
      building: 'studylog: building the app (first start, or the sources changed)…\n',
      buildFailed: 'studylog: the build failed (see above).\n',
      cannotStart: (name, message) => `studylog: could not start ${name}: ${message}\n`,
      noElectron: "Electron's binary is not available on this machine; serving the same app headless instead.\n",
      died: (signal) =>
        `studylog: Studylog stopped unexpectedly (killed by ${signal}). Pages open on it cannot reach it now; run 'npm start' again to restart it — saved chats are all kept.\n`,
    };

/** The Electron executable if it is really on disk, else null (what electron/index.js would download). */
function electronBinary() {
  const pkg = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  if (!relative) return null;
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkg, 'dist');
  const binary = path.join(dist, relative);
  return existsSync(binary) ? binary : null;
}

/** The pinned Node 24 (better-sqlite3 13 and the TypeScript sources need >= 22). */
function pinnedNode() {
  const candidates = isWindows
    ? [path.join(root, 'node_modules', 'node', 'bin', 'node.exe'), path.join(root, 'node_modules', '.bin', 'node.exe')]
    : [path.join(root, 'node_modules', '.bin', 'node'), path.join(root, 'node_modules', 'node', 'bin', 'node')];
  const found = candidates.find((c) => existsSync(c));
  if (found) return found;
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 22) return process.execPath;
  process.stderr.write(say.noNode);
  process.exit(1);
}

/**
 * Builds out/ when it is older than its sources (first start, an update, an edit), quietly: the
 * bundler's output is shown only if the build fails. A normal start prints only the app's own
 * lines.
 */
function build(node) {
  if (!buildIsStale(root)) return;
  process.stderr.write(say.building);
  const cli = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const result = spawnSync(node, [cli, 'build'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `${result.error.message}\n` : ''}`);
    process.stderr.write(say.buildFailed);
    process.exit(result.status ?? 1);
  }
}

/**
 * Runs the child as if it were us: our signals go to it, once each, and its exit code is ours.
 * It gets its own process group (POSIX), so a Ctrl-C in the terminal reaches it only through us:
 * a second SIGINT arriving straight from the terminal would cut its graceful shutdown short.
 */
function runForeground(command, childArgs, env = process.env) {
  const child = spawn(command, childArgs, { cwd: root, stdio: 'inherit', env, detached: !isWindows });
  const forwarded = new Set();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (forwarded.has(signal) || child.exitCode !== null || child.signalCode !== null) return;
      forwarded.add(signal);
      child.kill(signal);
    });
  }
  child.on('error', (error) => {
    process.stderr.write(say.cannotStart(path.basename(command), error.message));
    process.exit(1);
  });
  const signalNumber = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGKILL: 9 };
  child.on('exit', (code, signal) => {
    // Killed by a signal that did not come through us (a Ctrl-C, a SIGTERM we passed on): from
    // outside, the out-of-memory killer, a crash. It could say nothing itself, so say it here, or
    // the terminal would just return to the prompt while the browser tab stops getting answers.
    // (An exit with a code is its own: it printed why.)
    if (signal !== null && !forwarded.has(signal)) process.stderr.write(say.died(signal));
    process.exit(code ?? 128 + (signalNumber[signal] ?? 0));
  });
}

const node = pinnedNode();
const electron = headless ? null : electronBinary();
if (electron) {
  build(node);
  // ELECTRON_RUN_AS_NODE would run Electron as plain Node; ELECTRON_RENDERER_URL would load a
  // dev server instead of the build just made.
  const { ELECTRON_RUN_AS_NODE: _node, ELECTRON_RENDERER_URL: _dev, ...env } = process.env;
  runForeground(electron, ['.', ...args], env);
} else {
  if (!headless) process.stdout.write(say.noElectron);
  build(node);
  runForeground(node, [...SERVE_NODE_FLAGS, path.join(root, 'src', 'main', 'cli.ts'), 'serve', ...args], serveEnv(root));
}
