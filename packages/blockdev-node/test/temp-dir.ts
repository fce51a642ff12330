// Temporary directories for tests: one per test file, removed afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsError } from '@iomap/core';
import { afterAll, beforeAll } from 'vitest';

/** Creates a temp dir before the file's tests and removes it after; `path(name)` joins into it. */
export function useTempDir(prefix = 'iomap-blockdev-node-'): { path(name: string): string } {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  let counter = 0;
  return {
    path(name: string): string {
      if (dir === '') throw new FsError('EINVAL', 'useTempDir: path() was called outside a test; call it inside it()');
      return join(dir, `${counter++}-${name}`);
    },
  };
}
