// Runs `ext2-lite --verbose mkfs IMAGE ARGS...` twice in one Node process,
// through the same bundle and code cache the command loads, and prints what
// each run wrote to stderr (its --verbose report, with the format + copy
// time) as JSON: { cold, warm }. The second run finds V8's
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

/** One run's stderr. */
async function copyReport(runCli) {
  rmSync(image, { force: true });
  let text = '';
  const stderr = new PassThrough().on('data', (chunk) => (text += chunk));
  const io = { stdout: new PassThrough().resume(), stderr, stdin: Readable.from([]), stderrIsTTY: false, env: process.env, cwd: process.cwd() };
  const code = await runCli(['--verbose', 'mkfs', image, ...args], io);
  if (code !== 0) throw new Error(`mkfs exited ${code}: ${text}`);
  return text;
}

(async () => {
  const { runCli } = loadBundle().exports;
  const cold = await copyReport(runCli);
  const warm = await copyReport(runCli);
  process.stdout.write(`${JSON.stringify({ cold, warm })}\n`);
})().catch((err) => {
  process.exitCode = 1;
  console.error(err);
});
