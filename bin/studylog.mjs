#!/usr/bin/env node
// Studylog's source runs directly on Node >= 22.18 (built-in TypeScript type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`studylog needs Node 22.18 or newer (this is ${process.versions.node}); run it with 'npm run studylog -- …' to use the pinned Node 24.\n`);
  process.exit(1);
}
const { run } = await import('../src/main/cli.ts');
process.exitCode = await run(process.argv.slice(2));
