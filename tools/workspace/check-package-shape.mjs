#!/usr/bin/env node
// Checks the shape of the package in the current directory as it would be
// published: publint over the `npm pack` file list, then
// @arethetypeswrong/cli over the packed tarball (ESM-only profile; it runs
// offline). Run by each package's `shape` target after its build.
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', '.bin');
// attw runs quietly; on failure it runs again with its table, which names the problem.
const steps = [
  { cmd: join(bin, 'publint'), args: ['--strict', '--pack', 'npm'] },
  { cmd: join(bin, 'attw'), args: ['--pack', '.', '--profile', 'esm-only', '--quiet'], explain: ['--format', 'table-flipped'] },
];
for (const { cmd, args, explain } of steps) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    if (explain) spawnSync(cmd, [...args.filter((a) => a !== '--quiet'), ...explain], { stdio: 'inherit' });
    console.error(`package shape check failed: ${cmd.split('/').pop()} ${args.join(' ')}`);
    process.exit(r.status ?? 1);
  }
}
console.log('package shape: publint and attw (esm-only) found no problems');
