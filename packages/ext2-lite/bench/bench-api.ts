// How every ext2-lite bench loads the package: the built dist/ by default (what
// users run), or the TypeScript sources with BENCH_SOURCE=src. One place, so
// the benches measure the same thing and say the same thing when dist/ is missing.
// Also the small things every bench needs: integer settings from the
// environment and the path of a host tool (e2fsprogs live in sbin).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsError } from '@iomap/core';

export type Ext2LiteApi = typeof import('../src/index.js');

/** True when BENCH_SOURCE=src: the benches measure src/ through tsx. */
export const fromSource = process.env['BENCH_SOURCE'] === 'src';

/** The package's public API from dist/ (or src/); `script` is the npm script that builds first, for the error message. */
export async function loadExt2Lite(script: string): Promise<Ext2LiteApi> {
  const entry = new URL(fromSource ? '../src/index.ts' : '../dist/index.js', import.meta.url);
  if (!existsSync(fileURLToPath(entry))) {
    throw new FsError('ENOENT', `the built package is missing; run \`npm run build\` (npm run ${script} builds first) or set BENCH_SOURCE=src`, { path: fileURLToPath(entry) });
  }
  return (await import(entry.href)) as Ext2LiteApi;
}

/** An integer setting of at least `min` from the environment (BENCH_ROUNDS, ...), or `fallback` when unset. */
export function envInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new FsError('EINVAL', `${name} must be an integer of at least ${min}, got ${raw}`);
  return value;
}

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Full path of a host tool on PATH or in the sbin directories (where e2fsprogs live). */
export function hostTool(name: string): string {
  for (const dir of [...(process.env['PATH'] ?? '').split(':'), ...SBIN]) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new FsError('ENOENT', `${name} not found on PATH or in ${SBIN.join(', ')}; install e2fsprogs`, { path: name });
}
