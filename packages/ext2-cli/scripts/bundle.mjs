// Bundles the compiled command (dist/index.js and everything it imports: the
// @iomap packages, commander, cli-progress, tar-stream) into one CommonJS
// file, dist/ext2-lite.cjs, then writes V8's code cache for it
// (dist/ext2-lite.v8cache) after a training run of the common verbs.
// Node then reads and compiles one file instead of a few hundred modules, and
// most functions come precompiled: for short jobs (ls, cat, mkfs of a small
// tree) start-up is most of the run. bin/bundle-loader.js loads the pair.
//
// Runs after `tsc -b` (the package's build script and the root prepare script).
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { BUNDLE, CODE_CACHE, loadBundle } from '../bin/bundle-loader.js';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

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
