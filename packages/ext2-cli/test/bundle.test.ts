// bin/ext2-lite.js runs dist/ext2-lite.mjs, the build's one-file bundle of the
// command (it starts about twice as fast as the compiled modules). These tests
// make sure the bundle is what the build produced from the current modules and
// that it behaves exactly like them, so the spawned end-to-end tests elsewhere
// exercise the code that ships.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT, runBin } from './support/run-cli.js';

const BUNDLE = join(PACKAGE_ROOT, 'dist', 'ext2-lite.mjs');
const MODULES = join(PACKAGE_ROOT, 'dist', 'main.js');

/** Runs `runMain` of one entry module directly (bundle or modules) with args. */
function runEntry(entry: string, args: string[]): { code: number; out: string; err: string } {
  const script = `const { runMain } = await import(${JSON.stringify(pathToFileURL(entry).href)}); await runMain();`;
  // With -e, process.argv[1] is the first extra argument: give it the script's place.
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, entry, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('the bundled command (dist/ext2-lite.mjs)', () => {
  it('exists and is at least as new as the compiled modules, so bin/ext2-lite.js runs it', () => {
    expect(existsSync(BUNDLE), 'the build (npm run build / npm ci) writes dist/ext2-lite.mjs').toBe(true);
    expect(statSync(BUNDLE).mtimeMs).toBeGreaterThanOrEqual(statSync(MODULES).mtimeMs);
  });

  it('gives the same output, errors and exit codes as the modules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ext2-cli-bundle-'));
    try {
      const img = join(dir, 'disk.img');
      const made = runBin(['mkfs', img, '--size', '8M', '-U', '1b4e28ba-2fa1-11d2-883f-0016d3cca427', '-E', 'hash_seed=1b4e28ba-2fa1-11d2-883f-0016d3cca428']);
      expect(made.code, made.stderr).toBe(0);
      for (const args of [['info', '--json', img], ['ls', '-la', `${img}:/`], ['df', img], ['cat', `${img}:/missing`], ['ls', '--bogus', img]]) {
        const bundled = runEntry(BUNDLE, args);
        const modules = runEntry(MODULES, args);
        expect(bundled, args.join(' ')).toEqual(modules);
      }
      expect(runEntry(BUNDLE, ['cat', `${img}:/missing`]).code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
