// The README's example runs and prints what the README says it prints.
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { describe, expect, it, vi } from 'vitest';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** The first fenced block of `language` after `marker`. */
function blockAfter(text: string, marker: string, language: string): string {
  const start = text.indexOf(marker);
  expect(start).toBeGreaterThanOrEqual(0);
  const open = text.indexOf(`\`\`\`${language}\n`, start);
  const close = text.indexOf('\n```', open);
  return text.slice(open + language.length + 4, close + 1);
}

describe('README', () => {
  it('runs its example and prints the output it shows', async () => {
    const readme = await readFile(README, 'utf8');
    const code = blockAfter(readme, '<!-- example:', 'ts');
    const output = blockAfter(readme, 'Output:', 'text');
    const dir = await mkdtemp(join(tmpdir(), 'vfs-readme-'));
    const file = join(dir, 'example.ts');
    await writeFile(file, code);
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(format(...args)));
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      spy.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
    expect(`${lines.join('\n')}\n`).toBe(output);
  });
});
