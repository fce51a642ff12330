// fsync ordering under power cuts (EXT2.md 3.4, 6.2; @iomap/testkit
// CrashDevice): a file fsync'd before the crash keeps exactly its bytes, a
// file written after it shows per block either its new bytes or zeros —
// never bytes it never had — and `e2fsck -fy` brings every crash state back
// to an image `e2fsck -fn` calls clean.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import { CrashDevice, patternBytes } from '@iomap/testkit';
import { mount } from '../../src/index.js';
import { requireTool } from '../support/e2fsprogs.js';
import { fsckProblems, haveTools, scratchImage, type Scratch } from './engine-support.js';

const suite = haveTools() ? describe : describe.skip;

/** Repairs `img` with e2fsck -fy; returns its exit code (0 clean, 1 fixed). */
function repair(img: string): number {
  return spawnSync(requireTool('e2fsck') as string, ['-fy', img], { encoding: 'utf8' }).status ?? -1;
}

/** Reads a whole file of the image held by `device` with a read-only mount; undefined when it is gone. */
async function readBack(device: MemoryBlockDevice, path: string): Promise<Uint8Array | undefined> {
  const fs = await mount(device, { readOnly: true });
  try {
    const inode = await fs.inodeAt(path).catch(() => undefined);
    if (inode === undefined) return undefined;
    const out = new Uint8Array((await fs.getattr(inode)).size);
    let done = 0;
    while (done < out.length) {
      const n = await fs.read(inode, done, out.subarray(done));
      if (n === 0) break;
      done += n;
    }
    return out.subarray(0, done);
  } finally {
    await fs.unmount();
  }
}

/** Per block of `bs`: the block equals one of the allowed versions (or zeros). */
function blocksAreFrom(actual: Uint8Array, versions: Uint8Array[], bs: number): string | undefined {
  for (let at = 0; at < actual.length; at += bs) {
    const block = actual.subarray(at, Math.min(actual.length, at + bs));
    const ok = block.every((b) => b === 0) || versions.some((v) => v.length >= at + block.length && block.every((b, i) => b === v[at + i]));
    if (!ok) return `block at ${at} holds bytes the file never had`;
  }
  return undefined;
}

suite('fsync and crashes (CrashDevice)', () => {
  let scratch: Scratch | undefined;
  afterEach(() => scratch?.cleanup());

  it('keeps an fsynced file through every crash point after fsync, exposes no foreign bytes, and e2fsck -fy repairs the rest', async () => {
    const bs = 1024;
    scratch = scratchImage({ blockSize: bs, sizeBytes: 2 << 20, files: { a: undefined, b: undefined, old: patternBytes(200 * bs, 77) } });
    const memory = MemoryBlockDevice.from(new Uint8Array(readFileSync(scratch.img)));
    const device = await CrashDevice.wrap(memory);
    const fs = await mount(device, { now: () => 1_700_000_000_000_000_000n });
    const a = await fs.inodeAt('/a');
    const b = await fs.inodeAt('/b');
    const old = await fs.inodeAt('/old');
    const aData = patternBytes(300 * bs + 5, 1); // crosses into DIND
    await fs.write(a, 0, aData);
    // Free /old's blocks before the fsync: they must not show up in /b afterwards.
    await fs.truncate(old, 0);
    await fs.fsync(a, false);
    const fsyncPoint = device.point;
    const bData = patternBytes(150 * bs, 2);
    await fs.write(b, 0, bData);
    const aPatch = patternBytes(20 * bs, 3);
    await fs.write(a, 50 * bs, aPatch);
    await fs.fsync(b, false);
    await fs.unmount();
    const end = device.point;
    const aAfter = aData.slice();
    aAfter.set(aPatch, 50 * bs);

    let states = 0;
    for (let at = fsyncPoint; at <= end; at++) {
      for (const state of device.crashStates({ at, maxStates: 8, seed: at })) {
        states++;
        const img = join(scratch.dir, 'crash.img');
        writeFileSync(img, state.device.bytes);
        expect([0, 1], `e2fsck -fy at ${state.label}`).toContain(repair(img));
        expect(fsckProblems(img), `after repair at ${state.label}`).toEqual([]);
        const repaired = MemoryBlockDevice.from(new Uint8Array(readFileSync(img)));
        const aBack = await readBack(repaired, '/a');
        expect(aBack?.length, state.label).toBe(aData.length);
        // Outside the later patch: exactly the fsynced bytes.
        const aGot = aBack as Uint8Array;
        expect(aGot.subarray(0, 50 * bs).every((x, i) => x === aData[i]), state.label).toBe(true);
        expect(aGot.subarray(70 * bs).every((x, i) => x === aData[70 * bs + i]), state.label).toBe(true);
        expect(blocksAreFrom(aGot.subarray(50 * bs, 70 * bs), [aData.subarray(50 * bs, 70 * bs), aPatch], bs), state.label).toBeUndefined();
        const bBack = await readBack(repaired, '/b');
        if (bBack !== undefined) expect(blocksAreFrom(bBack, [bData], bs), state.label).toBeUndefined();
      }
    }
    expect(states).toBeGreaterThan(8);
    // And with no crash at all the final image is clean.
    const img = join(scratch.dir, 'final.img');
    writeFileSync(img, device.stateAt(end).bytes);
    expect(fsckProblems(img)).toEqual([]);
  });
});
