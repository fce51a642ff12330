// bin/ext2-lite.cjs runs dist/ext2-lite.cjs, the build's one-file bundle of the
// command, with its V8 code cache (it starts well over twice as fast as the
// compiled modules). These tests make sure the bundle is what the build
// produced from the current modules, that this Node accepts the cache, and
// that the bundle behaves exactly like the modules, so the spawned end-to-end
// tests elsewhere exercise the code that ships.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT, runBin } from './support/run-cli.js';

const BUNDLE = join(PACKAGE_ROOT, 'dist', 'ext2-lite.cjs');
const MODULES = join(PACKAGE_ROOT, 'dist', 'main.js');
const LOADER = pathToFileURL(join(PACKAGE_ROOT, 'bin', 'bundle-loader.cjs')).href;
const require = createRequire(import.meta.url);
type Loader = { bundleIsCurrent: () => boolean };
const { bundleIsCurrent } = require(join(PACKAGE_ROOT, 'bin', 'bundle-loader.cjs')) as Loader;

/** Runs `runMain` of the bundle (through the loader, printing its code-cache state to stderr first) or of the modules. */
function runEntry(which: 'bundle' | 'modules', args: string[]): { code: number; out: string; err: string } {
  const script =
    which === 'bundle'
      ? `const b = (await import(${JSON.stringify(LOADER)})).loadBundle(); process.stderr.write('code cache ' + b.codeCache + '\\n'); await b.exports.runMain();`
      : `const { runMain } = await import(${JSON.stringify(pathToFileURL(MODULES).href)}); await runMain();`;
  // With -e, process.argv[1] is the first extra argument: give it the script's place.
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, which, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr.replace(/^code cache \w+\n/, '') };
}

/** Runs `body` with a scratch folder holding `tree/a` ('alpha\n'); removes it after. */
function withTree(body: (dir: string, tree: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ext2-cli-bundle-tree-'));
  try {
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'a'), 'alpha\n');
    body(dir, tree);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the bundled command (dist/ext2-lite.cjs)', () => {
  it('exists and was made from the compiled modules now in dist/, so bin/ext2-lite.cjs runs it', () => {
    expect(existsSync(BUNDLE), 'the build (npm run build / npm ci) writes dist/ext2-lite.cjs').toBe(true);
    expect(bundleIsCurrent(), 'dist/ext2-lite.buildinfo is the tsconfig.tsbuildinfo the bundle was made from').toBe(true);
  });

  it('counts as current by the build it was made from, not by file times: a cache restore in any order keeps it, a rebuild without it does not', () => {
    const pkg = mkdtempSync(join(tmpdir(), 'ext2-lite-loader-'));
    try {
      mkdirSync(join(pkg, 'bin'));
      mkdirSync(join(pkg, 'dist'));
      copyFileSync(join(PACKAGE_ROOT, 'bin', 'bundle-loader.cjs'), join(pkg, 'bin', 'bundle-loader.cjs'));
      const loader = require(join(pkg, 'bin', 'bundle-loader.cjs')) as Loader;
      const at = (name: string): string => join(pkg, 'dist', name);
      writeFileSync(at('ext2-lite.cjs'), '');
      writeFileSync(at('tsconfig.tsbuildinfo'), '{"version":"A"}');
      expect(loader.bundleIsCurrent(), 'no copy of the build info: made before this scheme').toBe(false);
      writeFileSync(at('ext2-lite.buildinfo'), '{"version":"A"}');
      // The bundle older than the modules, as a cache restore may leave it: still current.
      utimesSync(at('ext2-lite.cjs'), 1, 1);
      expect(loader.bundleIsCurrent()).toBe(true);
      writeFileSync(at('tsconfig.tsbuildinfo'), '{"version":"B"}');
      expect(loader.bundleIsCurrent(), 'tsc -b emitted after the bundle was made').toBe(false);
      rmSync(at('tsconfig.tsbuildinfo'));
      expect(loader.bundleIsCurrent(), 'a published package ships no build info').toBe(true);
      rmSync(at('ext2-lite.cjs'));
      expect(loader.bundleIsCurrent()).toBe(false);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });

  it("comes with a V8 code cache this Node accepts, and names the package's version", () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const b = (await import(${JSON.stringify(LOADER)})).loadBundle(); process.stderr.write(b.codeCache); await b.exports.runMain();`, 'bundle', '--version'], { encoding: 'utf8' });
    expect(r.stderr).toBe('used');
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('loads child_process, net, zlib, worker_threads and readline only when a verb uses them', () => {
    const probe = `const before = new Set(process.moduleLoadList); (await import(${JSON.stringify(LOADER)})).loadBundle(); const loaded = process.moduleLoadList.filter((m) => !before.has(m)); process.stdout.write(JSON.stringify(loaded));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const loaded = JSON.parse(r.stdout) as string[];
    for (const name of ['child_process', 'net', 'zlib', 'worker_threads', 'readline', 'stream']) expect(loaded, name).not.toContain(`NativeModule ${name}`);
    // ...yet they work: a gzip archive (zlib, stream) through the bundle.
    withTree((dir, tree) => {
      const tgz = join(dir, 'tree.tgz');
      expect(spawnSync('tar', ['-czf', tgz, '-C', tree, '.']).status).toBe(0);
      const img = join(dir, 'disk.img');
      expect(runEntry('bundle', ['mkfs', img, '--size', '8M', '-d', tgz]).code).toBe(0);
      expect(runEntry('bundle', ['cat', `${img}:/a`]).out).toBe('alpha\n');
    });
  });

  it('is ASCII (the loader reads it as latin1)', () => {
    expect(readFileSync(BUNDLE).every((b) => b < 0x80)).toBe(true);
  });

  it('mkfs -d of a directory, stdin and stderr pipes, stdout a file: loads neither node:crypto, nor perf_hooks, nor any stream module', () => {
    withTree((dir, tree) => {
      const probe = join(dir, 'probe.cjs');
      writeFileSync(probe, "process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(process.moduleLoadList)));\n");
      const out = join(dir, 'loaded.json');
      // stdout goes to a file (a pipe there would load net for stdout itself); stdin and stderr are pipes.
      const stdout = openSync(join(dir, 'stdout'), 'w');
      let r: ReturnType<typeof spawnSync>;
      try {
        r = spawnSync(process.execPath, ['-r', probe, join(PACKAGE_ROOT, 'bin', 'ext2-lite.cjs'), 'mkfs', join(dir, 'disk.img'), '--size', '8M', '-d', tree], { encoding: 'utf8', stdio: ['pipe', stdout, 'pipe'], env: { ...process.env, PROBE_OUT: out } });
      } finally {
        closeSync(stdout);
      }
      expect(r.status, String(r.stderr)).toBe(0);
      expect(readFileSync(join(dir, 'stdout'), 'utf8')).toMatch(/disk\.img: ext2/);
      const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
      // A pipe on stdin or stderr becomes a net.Socket once touched; random uuids come from /dev/urandom.
      expect(loaded.filter((m) => /crypto/.test(m))).toEqual([]);
      // Text for a file stdout is written without Node's stdout stream; the mkfs timing uses process.hrtime.
      for (const name of ['net', 'tty', 'stream', 'perf_hooks']) expect(loaded, name).not.toContain(`NativeModule ${name}`);
    });
  });

  it('writes to a file or /dev/null exactly what it writes to a pipe', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ext2-cli-bundle-stdout-'));
    try {
      const img = join(dir, 'disk.img');
      expect(runBin(['mkfs', img, '--size', '8M', '-U', '1b4e28ba-2fa1-11d2-883f-0016d3cca427']).code).toBe(0);
      const bin = join(PACKAGE_ROOT, 'bin', 'ext2-lite.cjs');
      for (const args of [['ls', '-la', `${img}:/`], ['info', '--json', img], ['--help'], ['cat', `${img}:/missing`], ['mkdir', '--bogus']]) {
        const piped = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
        const file = join(dir, 'stdout');
        const fd = openSync(file, 'w');
        let r: ReturnType<typeof spawnSync>;
        try {
          r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
        } finally {
          closeSync(fd);
        }
        expect(readFileSync(file, 'utf8'), args.join(' ')).toBe(piped.stdout);
        expect([r.status, r.stderr], args.join(' ')).toEqual([piped.status, piped.stderr]);
        const ignored = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
        expect([ignored.status, ignored.stderr], args.join(' ')).toEqual([piped.status, piped.stderr]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the same output, errors and exit codes as the modules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ext2-cli-bundle-'));
    try {
      const img = join(dir, 'disk.img');
      const made = runBin(['mkfs', img, '--size', '8M', '-U', '1b4e28ba-2fa1-11d2-883f-0016d3cca427', '-E', 'hash_seed=1b4e28ba-2fa1-11d2-883f-0016d3cca428']);
      expect(made.code, made.stderr).toBe(0);
      for (const args of [['--version'], ['info', '--json', img], ['ls', '-la', `${img}:/`], ['df', img], ['cat', `${img}:/missing`], ['ls', '--bogus', img]]) {
        const bundled = runEntry('bundle', args);
        const modules = runEntry('modules', args);
        expect(bundled, args.join(' ')).toEqual(modules);
      }
      expect(runEntry('bundle', ['cat', `${img}:/missing`]).code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
