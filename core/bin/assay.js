#!/usr/bin/env node
// Assay runs its TypeScript sources directly on Node's type stripping (unflagged from Node 22.18 / 23.6).
// On an older supported Node the flag is added by re-executing once; older still gets a clear message.
import { spawnSync } from 'node:child_process';

const [major, minor] = process.versions.node.split('.').map(Number);
const supported = major > 22 || (major === 22 && minor >= 12);
if (!supported) {
  console.error(
    `assay: Node.js ${process.versions.node} is too old; Assay needs Node.js 22.12 or newer (tested on 24).`,
  );
  process.exit(1);
}
if (!process.features.typescript) {
  const result = spawnSync(process.execPath, ['--experimental-strip-types', ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
