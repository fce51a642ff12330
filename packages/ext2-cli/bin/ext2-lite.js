#!/usr/bin/env node
// The `ext2-lite` command. The program itself is compiled TypeScript in
// dist/, bundled into one file (dist/ext2-lite.mjs, which starts about twice
// as fast as loading the compiled modules one by one). In the repository the
// root `prepare` script builds both during `npm ci`; a published package
// ships them.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
const bundle = new URL('../dist/ext2-lite.mjs', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    `ext2-lite: ${fileURLToPath(main)} is missing: the command is not built. ` +
      'In the iomap-ts repository run `npm run build` (npm ci does it through the root prepare script).\n',
  );
  process.exit(1);
}
// A `tsc -b` without the bundle step leaves dist/main.js newer than the
// bundle: run the fresh modules rather than stale code.
const bundleIsCurrent = existsSync(fileURLToPath(bundle)) && statSync(bundle).mtimeMs >= statSync(main).mtimeMs;
const { runMain } = await import((bundleIsCurrent ? bundle : main).href);
await runMain();
