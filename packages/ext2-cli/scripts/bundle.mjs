// Bundles the compiled command (dist/index.js and everything it imports: the
// @iomap packages, commander, cli-progress, tar-stream) into one CommonJS
// file, dist/ext2-lite.cjs, then writes V8's code cache for it
// (dist/ext2-lite.v8cache) after a training run of the common verbs.
// Node then reads and compiles one file instead of a few hundred modules, and
// most functions come precompiled: for short jobs (ls, cat, mkfs of a small
// tree) start-up is most of the run. bin/bundle-loader.cjs loads the pair.
//
// Runs after `tsc -b` (the package's build script and the root prepare script).
import { build } from 'esbuild';
import { builtinModules, createRequire } from 'node:module';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import loader from '../bin/bundle-loader.cjs';

const { BUNDLE, BUILD_INFO, BUNDLED_BUILD_INFO, CODE_CACHE, loadBundle } = loader;

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Node built-ins the bundle loads on first use instead of at start-up.
 * Loading child_process, net, stream, crypto and the like (for commander's
 * subcommand spawning, tar input, progress bars, digests) cost ~10 ms of
 * every run, most of which need none of them. Each becomes a module of
 * getters over the built-in's export names; the first property read loads
 * it. The built-ins every run needs stay plain requires.
 */
const EAGER_BUILTINS = new Set(['fs', 'path', 'url', 'util', 'events', 'module', 'vm', 'os', 'buffer', 'process', 'fs/promises']);
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const nodeRequire = createRequire(import.meta.url);
    const lazy = (name) => builtinModules.includes(name) && !EAGER_BUILTINS.has(name);
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!lazy(name)) return undefined;
      // The getter module's own require of the built-in is the real one.
      if (args.namespace === 'lazy-builtin') return { path: args.path, external: true };
      return { path: name, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const names = Object.keys(nodeRequire(`node:${args.path}`)).filter((n) => n !== 'default');
      return {
        loader: 'js',
        contents:
          `let loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(`node:${args.path}`)}));\n` +
          `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });\n`,
      };
    });
  },
};

await build({
  entryPoints: [here('../dist/index.js')],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // import.meta.url (used to find package.json) has no CommonJS form: give the bundle's own URL.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  // Non-ASCII characters escaped: bin/bundle-loader.cjs reads the bundle as latin1 (no UTF-8 decode).
  charset: 'ascii',
  plugins: [lazyBuiltins],
  // Half the bytes to read and hash at start-up; names stay, so stack traces still name functions.
  minifyWhitespace: true,
  logLevel: 'warning',
});
rmSync(CODE_CACHE, { force: true });

/** Runs the verbs most jobs use, in this process, on a small scratch tree and image. */
async function train(runCli) {
  const dir = mkdtempSync(join(tmpdir(), 'ext2-lite-train-'));
  try {
    const tree = join(dir, 'tree');
    for (let d = 0; d < 4; d++) {
      mkdirSync(join(tree, `d${d}`), { recursive: true });
      for (let f = 0; f < 16; f++) writeFileSync(join(tree, `d${d}`, `f${f}`), new Uint8Array(4096 + f).fill(f + 1));
    }
    const img = join(dir, 'train.img');
    const io = () => ({ stdout: new PassThrough().resume(), stderr: new PassThrough().resume(), stdin: Readable.from([]), stderrIsTTY: false, env: {}, cwd: dir });
    for (const args of [
      ['mkfs', img, '--size', '16M', '-d', tree],
      ['ls', '-laR', `${img}:/`],
      ['cat', `${img}:/d0/f1`],
      ['stat', `${img}:/d0`],
      ['info', img],
      ['df', img],
      ['cp', '-r', `${img}:/d1`, join(dir, 'out')],
      ['mkdir', '-p', `${img}:/x/y`],
      ['cp', join(tree, 'd2', 'f3'), `${img}:/x/y/`],
      ['rm', '-r', `${img}:/d3`],
      ['check', img],
    ]) {
      await runCli(args, io());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const bundle = loadBundle();
await train(bundle.exports.runCli);
bundle.saveCodeCache();
// The build this bundle was made from: bin/bundle-loader.cjs runs the bundle only while dist/ holds that build.
copyFileSync(BUILD_INFO, BUNDLED_BUILD_INFO);
