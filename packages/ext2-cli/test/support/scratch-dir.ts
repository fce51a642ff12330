// A fresh temporary directory for each test of a file, and an in-process
// run of the command there that must succeed (empty stderr, exit 0).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { runInProcess, type CliResult } from './run-cli.js';

/**
 * Registers beforeEach/afterEach hooks that make and remove a directory
 * named `prefix`-something in the temp dir; call at the top of a test file.
 * Returns the current test's directory.
 */
export function useScratchDir(prefix: string): () => string {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** Runs the command in-process in `cwd` and expects it to succeed quietly. */
export async function runOk(args: string[], cwd: string): Promise<CliResult> {
  const r = await runInProcess(args, { cwd });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
}
