// The README's example is test/readme-example.test.ts, word for word (with
// the package's own import path), so the example in the README always runs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

it('shows the runnable example verbatim in the README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /## Example[\s\S]*?```ts\n([\s\S]*?)\n```/.exec(readme)?.[1];
  const example = readFileSync(join(root, 'test', 'readme-example.test.ts'), 'utf8')
    .split('\n')
    .slice(1)
    .join('\n')
    .replace("'../src/index.js'", "'@iomap/buffered'")
    .trim();
  expect(block).toBe(example);
});
