// How every ext2-lite bench loads the package: the built dist/ by default (what
// users run), or the TypeScript sources with BENCH_SOURCE=src. One place, so
// the benches measure the same thing and say the same thing when dist/ is missing.
import { existsSync } from 'node:fs';
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
