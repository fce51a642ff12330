// O_DIRECT writes through @iomap/direct with ext2's rule (a hole inside EOF
// is filled through the page cache: ENOTBLK fallback, DIO-14), and DAX
// mounts on a MemoryBlockDevice writing through @iomap/dax with every newly
// allocated block zeroed before use (IOMAP-SPEC 2.2 rule 7). e2fsck -fn
// stays silent afterwards.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import { constants } from '@iomap/vfs';
import { patternBytes } from '@iomap/testkit';
import { mount } from '../../src/index.js';
import { FileModel, firstDifference, fsckProblems, haveTools, mountFile, readAll, scratchImage, type Scratch } from './engine-support.js';

const suite = haveTools() ? describe : describe.skip;
const O_DIRECT = constants.O_DIRECT;

suite('direct and DAX writes', () => {
  let scratch: Scratch | undefined;
  afterEach(() => scratch?.cleanup());

  it('writes O_DIRECT past EOF, over published blocks, and into holes inside EOF via the page cache (DIO-14)', async () => {
    const bs = 1024;
    scratch = scratchImage({ blockSize: bs, sizeBytes: 8 << 20, files: { f: undefined } });
    const model = new FileModel();
    const m = await mountFile(scratch.img);
    try {
      const { fs } = m;
      const f = await fs.inodeAt('/f');
      const a = patternBytes(40 * bs, 1);
      expect(await fs.write(f, 0, a, O_DIRECT)).toBe(a.length); // extends: allocated now
      model.write(0, a);
      const far = patternBytes(8 * bs, 2);
      expect(await fs.write(f, 100 * bs, far, O_DIRECT)).toBe(far.length); // leaves a hole 40..100
      model.write(100 * bs, far);
      const hole = patternBytes(6 * bs, 3);
      expect(await fs.write(f, 60 * bs, hole, O_DIRECT)).toBe(hole.length); // inside EOF: buffered fallback
      model.write(60 * bs, hole);
      const over = patternBytes(4 * bs, 4);
      expect(await fs.write(f, 2 * bs, over, O_DIRECT)).toBe(over.length); // overwrite in place
      model.write(2 * bs, over);
      // Buffered and direct views agree.
      const mixed = patternBytes(100, 5);
      await fs.write(f, 3 * bs + 7, mixed);
      model.write(3 * bs + 7, mixed);
      const viaDirect = new Uint8Array(8 * bs);
      expect(await fs.read(f, 0, viaDirect, O_DIRECT)).toBe(viaDirect.length);
      expect(firstDifference(viaDirect, model.content.subarray(0, 8 * bs))).toBe(-1);
      await expect(fs.write(f, 5, new Uint8Array(bs), O_DIRECT)).rejects.toMatchObject({ code: 'EINVAL' });
      expect(firstDifference(await readAll(fs, '/f'), model.content)).toBe(-1);
    } finally {
      await m.close();
    }
    expect(fsckProblems(scratch.img)).toEqual([]);
    const ro = await mountFile(scratch.img, { readOnly: true });
    try {
      expect(firstDifference(await readAll(ro.fs, '/f'), model.content)).toBe(-1);
    } finally {
      await ro.close();
    }
  });

  it('writes through DAX into zeroed new blocks, never exposing freed blocks (IOMAP-SPEC 2.2 rule 7)', async () => {
    const bs = 4096;
    scratch = scratchImage({ blockSize: bs, sizeBytes: 16 << 20, files: { junk: undefined, f: undefined } });
    const device = MemoryBlockDevice.from(new Uint8Array(readFileSync(scratch.img)));
    const model = new FileModel();
    const fs = await mount(device, { dax: true });
    const junk = await fs.inodeAt('/junk');
    await fs.write(junk, 0, new Uint8Array(2 << 20).fill(0xa5));
    await fs.truncate(junk, 0);
    await fs.sync(); // its blocks are free for reuse now, still holding 0xa5
    const f = await fs.inodeAt('/f');
    for (const [pos, len, seed] of [
      [100, 10, 1],
      [5 * bs + 4000, 200, 2],
      [3 * 1024 * bs + 1, 5000, 3], // behind the IND and DIND
      [40 * bs, 3 * bs, 4],
    ] as const) {
      const data = patternBytes(len, seed);
      expect(await fs.write(f, pos, data)).toBe(len);
      model.write(pos, data);
    }
    expect(firstDifference(await readAll(fs, '/f'), model.content)).toBe(-1);
    await fs.truncate(f, 5 * bs + 4050);
    model.truncate(5 * bs + 4050);
    await fs.truncate(f, 7 * bs);
    model.truncate(7 * bs);
    expect(firstDifference(await readAll(fs, '/f'), model.content)).toBe(-1);
    await fs.unmount();
    writeFileSync(scratch.img, device.bytes);
    expect(fsckProblems(scratch.img)).toEqual([]);
  });
});
