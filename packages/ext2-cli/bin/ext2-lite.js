#!/usr/bin/env node
// The `ext2-lite` command. The program is compiled TypeScript in dist/,
// bundled into one file with a V8 code cache (see bundle-loader.js), which
// starts well over twice as fast as loading the compiled modules one by one.
// In the repository the root `prepare` script builds both during `npm ci`;
// a published package ships them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleIsCurrent, loadBundle } from './bundle-loader.js';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    `ext2-lite: ${fileURLToPath(main)} is missing: the command is not built. ` +
      'In the iomap-ts repository run `npm run build` (npm ci does it through the root prepare script).\n',
  );
  process.exit(1);
}
// A stale bundle (the modules were rebuilt without it) gives way to the modules.
const { runMain } = bundleIsCurrent() ? loadBundle().exports : await import(main.href);
await runMain();
