#!/usr/bin/env node
// Studylog's source runs directly on Node >= 22.18 (built-in TypeScript type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  // In the terminal's language, as the command itself (src/main/core/config.ts systemLanguage).
  const { LC_ALL, LC_MESSAGES, LANG } = process.env;
  const zh = /^zh([-_.@]|$)/i.test(LC_ALL || LC_MESSAGES || LANG || Intl.DateTimeFormat().resolvedOptions().locale);
  process.stderr.write(
    zh
      ? `studylog 需要 Node 22.18 或更新的版本（当前是 ${process.versions.node}）；请用“npm run studylog -- …”运行，它使用项目固定的 Node 24。\n`
      : `studylog needs Node 22.18 or newer (this is ${process.versions.node}); run it with 'npm run studylog -- …' to use the pinned Node 24.\n`,
  );
  process.exit(1);
}
const { run } = await import('../src/main/cli.ts');
process.exitCode = await run(process.argv.slice(2));
