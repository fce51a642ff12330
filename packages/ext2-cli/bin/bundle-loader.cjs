// Loads the bundled command (dist/ext2-lite.cjs, one file made by
// scripts/bundle.mjs) with V8's code cache (dist/ext2-lite.v8cache, written by
// the same script after a training run). With the cache, V8 skips parsing and
// compiling the functions the training run used; without it, or when this
// Node's V8 rejects it (another version or flags), the bundle compiles as
// usual. Either way the result is the bundle's exports (runCli, runMain, ...).
// CommonJS, like the command's entry: Node starts a CommonJS entry several
// milliseconds sooner than an ES module one (no ES module loader to set up).
'use strict';
const { existsSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'ext2-lite.cjs');
const CODE_CACHE = join(__dirname, '..', 'dist', 'ext2-lite.v8cache');
const MODULES = join(__dirname, '..', 'dist', 'main.js');

/** The compiler's record of the build (rewritten by every `tsc -b` that emits), and its copy taken when the bundle was made. */
const BUILD_INFO = join(__dirname, '..', 'dist', 'tsconfig.tsbuildinfo');
const BUNDLED_BUILD_INFO = join(__dirname, '..', 'dist', 'ext2-lite.buildinfo');

/**
 * Whether the bundle was made from the compiled modules now in dist/: a
 * `tsc -b` without the bundle step changes the build info. Content, not
 * modification times, decides, since a build cache (nx) restores the two
 * in any order. A published package ships no build info: its bundle is current.
 */
function bundleIsCurrent() {
  if (!existsSync(BUNDLE)) return false;
  const built = statSync(BUILD_INFO, { throwIfNoEntry: false });
  if (built === undefined) return true;
  const bundled = statSync(BUNDLED_BUILD_INFO, { throwIfNoEntry: false });
  if (bundled === undefined || bundled.size !== built.size) return false;
  return readFileSync(BUILD_INFO).equals(readFileSync(BUNDLED_BUILD_INFO));
}

/**
 * Runs the bundle's module code and returns `{ exports, codeCache, saveCodeCache }`:
 * codeCache is 'used', 'rejected' or 'absent'; saveCodeCache() writes the
 * cache of everything compiled so far (for the build's training run).
 */
function loadBundle() {
  const cached = existsSync(CODE_CACHE) ? readFileSync(CODE_CACHE) : undefined;
  // The bundle is ASCII (esbuild's charset: 'ascii' escapes the rest): latin1 reads it without a UTF-8 decode.
  const script = new vm.Script(Module.wrap(readFileSync(BUNDLE, 'latin1')), { filename: BUNDLE, cachedData: cached });
  const codeCache = cached === undefined ? 'absent' : script.cachedDataRejected === true ? 'rejected' : 'used';
  const bundleModule = { exports: {} };
  script.runInThisContext().call(bundleModule.exports, bundleModule.exports, Module.createRequire(BUNDLE), bundleModule, BUNDLE, dirname(BUNDLE));
  return { exports: bundleModule.exports, codeCache, saveCodeCache: () => writeFileSync(CODE_CACHE, script.createCachedData()) };
}

module.exports = { BUNDLE, CODE_CACHE, MODULES, BUILD_INFO, BUNDLED_BUILD_INFO, bundleIsCurrent, loadBundle };
