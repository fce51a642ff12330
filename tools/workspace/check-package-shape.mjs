#!/usr/bin/env node
// Checks the shape of the package in the current directory as it would be
// published: publint over the `npm pack` file list, then
// @arethetypeswrong/cli over the packed tarball (ESM-only profile; it runs
// offline). Run by each package's `shape` target after its build.
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', '.bin');
const steps = [
  [join(bin, 'publint'), ['--strict', '--pack', 'npm']],
  [join(bin, 'attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'table-flipped']],
];
for (const [cmd, args] of steps) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`package shape check failed: ${cmd.split('/').pop()} ${args.join(' ')}`);
    process.exit(r.status ?? 1);
  }
}
