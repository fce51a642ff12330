// The README's example is test/readme-example.test.ts, word for word (with the
// package's own import path), so the example in the README always runs; its
// coverage table names a test for every DAX-n row, and those tests exist.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

it('shows the runnable example verbatim in the README', () => {
  const block = /## Example[\s\S]*?```ts\n([\s\S]*?)\n```/.exec(readme)?.[1];
  const example = readFileSync(join(root, 'test', 'readme-example.test.ts'), 'utf8')
    .split('\n')
    .slice(1)
    .join('\n')
    .replace("'../src/index.js'", "'@iomap/dax'")
    .trim();
  expect(block).toBe(example);
});

it('covers every DAX-n row with a test named after it', () => {
  const tests = readdirSync(join(root, 'test'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => readFileSync(join(root, 'test', f), 'utf8'))
    .join('\n');
  for (let n = 1; n <= 12; n++) {
    expect(readme, `README row DAX-${n}`).toMatch(new RegExp(`\\| DAX-${n} \\|`));
    expect(tests, `a test naming DAX-${n}`).toMatch(new RegExp(`it(\\.each\\([\\s\\S]*?\\))?\\(['\`][^'\`]*DAX-${n}\\b`));
  }
});
