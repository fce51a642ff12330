// vitest global setup: the end-to-end tests spawn bin/ext2-lite.cjs, which
// runs the compiled dist/main.js, so build it (and the packages it uses)
// with tsc -b first. Incremental: nothing is rebuilt when dist/ is current.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default function setup(): void {
  const tsc = join(packageRoot, '..', '..', 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['-b', join(packageRoot, 'tsconfig.json')], { encoding: 'utf8' });
  if (r.status !== 0) console.warn(`tsc -b for the ext2-lite command reported problems (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  if (!existsSync(join(packageRoot, 'dist', 'main.js'))) throw new Error('dist/main.js is missing after tsc -b: the command could not be built');
}
