// Loads the bundled command (dist/ext2-lite.cjs, one file made by
// scripts/bundle.mjs) with V8's code cache (dist/ext2-lite.v8cache, written by
// the same script after a training run). With the cache, V8 skips parsing and
// compiling the functions the training run used; without it, or when this
// Node's V8 rejects it (another version or flags), the bundle compiles as
// usual. Either way the result is the bundle's exports (runCli, runMain, ...).
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const BUNDLE = fileURLToPath(new URL('../dist/ext2-lite.cjs', import.meta.url));
export const CODE_CACHE = fileURLToPath(new URL('../dist/ext2-lite.v8cache', import.meta.url));
const MODULES = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Whether the bundle exists and is not older than the compiled modules (a `tsc -b` without the bundle step). */
export function bundleIsCurrent() {
  return existsSync(BUNDLE) && existsSync(MODULES) && statSync(BUNDLE).mtimeMs >= statSync(MODULES).mtimeMs;
}

/**
 * Runs the bundle's module code and returns `{ exports, codeCache, saveCodeCache }`:
 * codeCache is 'used', 'rejected' or 'absent'; saveCodeCache() writes the
 * cache of everything compiled so far (for the build's training run).
 */
export function loadBundle() {
  const cached = existsSync(CODE_CACHE) ? readFileSync(CODE_CACHE) : undefined;
  const script = new vm.Script(Module.wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData: cached });
  const codeCache = cached === undefined ? 'absent' : script.cachedDataRejected === true ? 'rejected' : 'used';
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { exports: module.exports, codeCache, saveCodeCache: () => writeFileSync(CODE_CACHE, script.createCachedData()) };
}
