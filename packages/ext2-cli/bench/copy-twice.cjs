// Runs `ext2-lite --verbose mkfs IMAGE ARGS...` twice in one Node process,
// through the same bundle and code cache the command loads, and prints the
// format + copy time each run reports, as JSON. The second run finds V8's
// optimized code of the first already there; the first, like every real
// run of the command, starts in the interpreter. The difference is what
// the JIT's warm-up costs a run (mkfs.bench.ts reports both).
//
//   node bench/copy-twice.cjs IMAGE --size 128M -b 4096 -d TREE
'use strict';
const { rmSync } = require('node:fs');
const { PassThrough, Readable } = require('node:stream');
const { loadBundle } = require('../bin/bundle-loader.cjs');

const [image, ...args] = process.argv.slice(2);

/** One run's format + copy time, from its --verbose line. */
async function copySeconds(runCli) {
  rmSync(image, { force: true });
  let text = '';
  const stderr = new PassThrough().on('data', (chunk) => (text += chunk));
  const io = { stdout: new PassThrough().resume(), stderr, stdin: Readable.from([]), stderrIsTTY: false, env: process.env, cwd: process.cwd() };
  const code = await runCli(['--verbose', 'mkfs', image, ...args], io);
  const timing = /mkfs -d: \d+ entries in ([\d.]+) s/.exec(text);
  if (code !== 0 || timing === null) throw new Error(`mkfs exited ${code}: ${text}`);
  return Number(timing[1]);
}

(async () => {
  const { runCli } = loadBundle().exports;
  const cold = await copySeconds(runCli);
  const warm = await copySeconds(runCli);
  process.stdout.write(`${JSON.stringify({ cold, warm })}\n`);
})().catch((err) => {
  process.exitCode = 1;
  console.error(err);
});
