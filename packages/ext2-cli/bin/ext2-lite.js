#!/usr/bin/env node
// The `ext2-lite` command. The program itself is compiled TypeScript in
// dist/; in the repository the root `prepare` script builds it during
// `npm ci`, and a published package ships it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    `ext2-lite: ${fileURLToPath(main)} is missing: the command is not built. ` +
      'In the iomap-ts repository run `npm run build` (npm ci does it through the root prepare script).\n',
  );
  process.exit(1);
}
const { runMain } = await import(main.href);
await runMain();
