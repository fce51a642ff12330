#!/usr/bin/env node
// `npm test`: lint, typecheck, package-shape checks and every project's tests,
// run through nx. Locally nx replays cached results for projects whose inputs
// did not change (so only what a change affects runs again); in CI (CI=true)
// the cache is skipped and everything runs.
//
// After nx finishes, the vitest JSON reports of all projects are summed into
// one closing line, "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ci = process.env.CI === 'true' || process.env.CI === '1';
const projectDirs = ['packages', 'tools'].flatMap((group) =>
  readdirSync(join(root, group)).map((name) => join(root, group, name)),
);

for (const dir of projectDirs) rmSync(join(dir, 'reports', 'vitest.json'), { force: true });

const args = ['nx', 'run-many', '-t', 'lint', 'typecheck', 'test', 'shape', '--outputStyle=stream'];
if (ci) args.push('--skip-nx-cache');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const run = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env });

let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of projectDirs) {
  const report = join(dir, 'reports', 'vitest.json');
  if (!existsSync(report)) continue;
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status ?? 1);
