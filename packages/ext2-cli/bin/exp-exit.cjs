#!/usr/bin/env node
// The `ext2-lite` command. The program is compiled TypeScript in dist/,
// bundled into one file with a V8 code cache (see bundle-loader.cjs), which
// starts well over twice as fast as loading the compiled modules one by one.
// In the repository the root `prepare` script builds both during `npm ci`;
// a published package ships them.
'use strict';
const { existsSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const { MODULES, bundleIsCurrent, loadBundle } = require('./bundle-loader.cjs');

if (!existsSync(MODULES)) {
  process.stderr.write(
    `ext2-lite: ${MODULES} is missing: the command is not built. ` +
      'In the iomap-ts repository run `npm run build` (npm ci does it through the root prepare script).\n',
  );
  process.exit(1);
}
// A stale bundle (the modules were rebuilt without it) gives way to the modules.
const program = bundleIsCurrent() ? Promise.resolve(loadBundle().exports) : import(pathToFileURL(MODULES).href);
program.then(({ runMain }) => runMain()).then(() => process.exit()).catch((err) => {
  process.exitCode = 1;
  throw err;
});
