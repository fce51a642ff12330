// The README's example is test/readme-example.test.ts, word for word (with
// the package's own import path), so the example in the README always runs;
// and its sample failure report is what the exerciser really prints.
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { ExtentMapFs, exercise, extentMapFsTarget } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

it('shows the runnable example verbatim in the README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /## Testing your filesystem with it[\s\S]*?```ts\n([\s\S]*?)\n```/.exec(readme)?.[1];
  const example = readFileSync(join(root, 'test', 'readme-example.test.ts'), 'utf8')
    .split('\n')
    .slice(1)
    .join('\n')
    .replace("'../src/index.js'", "'@iomap/testkit'")
    .trim();
  expect(block).toBe(example);
});

it('shows a failure report the exerciser really produces', async () => {
  const dropsLastByteOfOverwrites = async () => {
    const inner = await extentMapFsTarget(new ExtentMapFs({ deviceSize: 1 << 20, blockSize: 1024 }));
    return {
      ...inner,
      async write(pos: number, data: Uint8Array) {
        const overwrite = data.length > 1 && pos + data.length <= (await inner.size());
        await inner.write(pos, overwrite ? data.subarray(0, data.length - 1) : data);
      },
    };
  };
  const options = { seed: 1234, operations: 250, maxFileSize: 48 * 1024, maxOpLength: 12 * 1024 };
  const message = await exercise(dropsLastByteOfOverwrites, options).then(
    () => 'no failure',
    (e: unknown) => (e as Error).message,
  );
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const sample = /```text\n([\s\S]*?)\n```/.exec(readme)?.[1];
  expect(sample).toBe(message);
});
