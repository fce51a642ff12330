// Repro found by the exerciser (exercise.test.ts, seed 1, 1 KiB blocks,
// buffered): with a 64 KiB page-cache budget, operation #47 of this replay —
// a buffered FileHandle.write of 63,780 bytes at 888,246 — never returns and
// keeps the CPU busy (the event loop never runs again, so no timer can
// stop it). 128 KiB or more: the replay passes in under a second.
//
// The replay runs in a child vitest (threads pool: one process, so a
// SIGKILL ends all of it) with a deadline; this test fails, instead of
// hanging the whole run, while the bug is there. The child is this file
// with TINY_CACHE_CHILD=1.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exercise, type ExerciseOp } from '@iomap/testkit';
import { missingE2fsprogs, mke2fsBytes, prerequisites } from '../workload/host-tools.js';
import { ext2ExerciseTarget } from './ext2-exercise-target.js';

const child = process.env['TINY_CACHE_CHILD'] === '1';
const here = fileURLToPath(import.meta.url);
const DEADLINE_MS = 30_000;

describe.skipIf(!prerequisites('tiny-cache hang repro', [missingE2fsprogs()]))('buffered writes with a 64 KiB page cache (BUF cache budget)', () => {
  if (child) {
    it('replays the exerciser run', async () => {
      const ops = readFileSync(new URL('./tiny-cache-hang.ops.jsonl', import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ExerciseOp);
      const image = mke2fsBytes({ blockSize: 1024, size: 16 << 20 });
      await exercise(() => ext2ExerciseTarget({ image, direct: false, mountOptions: { cacheBytes: 64 << 10 } }), { replay: ops, shrinkBudget: 0 });
    });
    return;
  }
  it(`a 63,780-byte write into a mostly dirty 64 KiB cache returns (replay of 48 exerciser operations, deadline ${DEADLINE_MS / 1000} s)`, () => {
    const vitest = fileURLToPath(new URL('../../../../node_modules/vitest/vitest.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [vitest, 'run', '--pool=threads', '--reporter=dot', here], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, TINY_CACHE_CHILD: '1' },
      encoding: 'utf8',
      timeout: DEADLINE_MS,
      killSignal: 'SIGKILL',
    });
    const killed = r.signal === 'SIGKILL';
    expect(killed ? `still running after ${DEADLINE_MS / 1000} s (killed)` : `exit ${r.status}`, `${r.stdout}${r.stderr}`.slice(-3000)).toBe('exit 0');
  }, DEADLINE_MS + 30_000);
});
