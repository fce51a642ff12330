// ImageBuilder.addFileSync: the promise-free way to add a file whose bytes
// are in memory. It must build exactly what addFile builds (same image
// bytes, including the holes of zero blocks), fail the same way, and keep
// the caller able to bound memory: writesBacklogged turns true once the
// write buffers are full, and throttle() brings it back.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileDevice } from '@iomap/blockdev-node';
import { ImageBuilder } from '../../src/index.js';
import { freshFile, patternBytes } from './build-tree.js';

const work = mkdtempSync(join(tmpdir(), 'ext2-add-sync-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const FIXED = { blockSize: 1024, uuid: '0b6c8a2e-5a4b-4c1e-9d3f-2a1b3c4d5e6f', hashSeed: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a', timestamp: 1_700_000_000, assumeZeroed: true };
const T = 1_700_000_000_123_456_789n;

/** File contents of every shape a small file takes: empty, partial block, whole blocks, a zero block (a hole), indirect-mapped. */
function contents(): Uint8Array[] {
  const withHole = patternBytes(3 * 1024, 7);
  withHole.fill(0, 1024, 2048);
  return [new Uint8Array(0), patternBytes(1, 1), patternBytes(1000, 2), patternBytes(1024, 3), withHole, patternBytes(150 * 1024 + 5, 4), new Uint8Array(4096)];
}

type Adder = (b: ImageBuilder, dir: number, name: string, bytes: Uint8Array) => Promise<void>;

async function build(name: string, add: Adder): Promise<string> {
  const path = join(work, name);
  freshFile(path, 16 << 20);
  const device = await FileDevice.open(path);
  try {
    const b = await ImageBuilder.create(device, FIXED);
    const files = contents();
    for (let d = 0; d < 6; d++) {
      const dir = b.mkdir(b.rootIno, `d${d}`, { atimeNs: T, mtimeNs: T, ctimeNs: T });
      for (let f = 0; f < 40; f++) await add(b, dir, `f${f}`, files[(d + f) % files.length] as Uint8Array);
    }
    await b.finish();
  } finally {
    await device.close();
  }
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const attrs = { perm: 0o640, uid: 1000, gid: 100, atimeNs: T, mtimeNs: T + 1n, ctimeNs: T };

describe('ImageBuilder.addFileSync', () => {
  it('builds the same bytes as addFile given the file in chunks (sha256 of the two images), throttled between files', async () => {
    // addFile takes a buffer through addFileSync; in 333-byte chunks it takes its streaming path.
    const chunked = (bytes: Uint8Array): Uint8Array[] => Array.from({ length: Math.ceil(bytes.length / 333) }, (_, i) => bytes.subarray(i * 333, (i + 1) * 333));
    const viaAddFile = await build('async.img', async (b, dir, name, bytes) => {
      await b.addFile(dir, name, attrs, chunked(bytes));
    });
    let waits = 0;
    const viaSync = await build('sync.img', async (b, dir, name, bytes) => {
      b.addFileSync(dir, name, attrs, bytes);
      if (b.writesBacklogged) {
        waits++;
        await b.throttle();
      }
    });
    expect(viaSync).toBe(viaAddFile);
    // 240 files, 34 of them 150 KiB, fill the 1 MiB write buffers several times over.
    expect(waits).toBeGreaterThan(0);
  });

  it('writesBacklogged turns true when files are added without waiting; throttle() clears it', async () => {
    const path = join(work, 'backlog.img');
    freshFile(path, 32 << 20);
    const device = await FileDevice.open(path);
    try {
      const b = await ImageBuilder.create(device, { ...FIXED, blockSize: 4096 });
      expect(b.writesBacklogged).toBe(false);
      const bytes = patternBytes(1 << 20, 9);
      let added = 0;
      while (!b.writesBacklogged && added < 16) b.addFileSync(b.rootIno, `f${added++}`, {}, bytes);
      expect(b.writesBacklogged).toBe(true);
      // Three buffers of 1 MiB go out before the queue counts as full.
      expect(added).toBeLessThanOrEqual(4);
      await b.throttle();
      expect(b.writesBacklogged).toBe(false);
      await b.finish();
    } finally {
      await device.close();
    }
  });

  it('fails as addFile does, synchronously: EEXIST, ENOTDIR, and EINVAL above 1 MiB (use addFile)', async () => {
    const path = join(work, 'errors.img');
    freshFile(path, 8 << 20);
    const device = await FileDevice.open(path);
    try {
      const b = await ImageBuilder.create(device, FIXED);
      const file = b.addFileSync(b.rootIno, 'a', {}, patternBytes(10, 1));
      expect(() => b.addFileSync(b.rootIno, 'a', {}, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'EEXIST' }));
      expect(() => b.addFileSync(file, 'x', {}, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
      expect(() => b.addFileSync(b.rootIno, 'big', {}, new Uint8Array((1 << 20) + 1))).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/use addFile/) }));
      // The refused calls left nothing behind: the large file still goes in through addFile.
      await b.addFile(b.rootIno, 'big', {}, patternBytes((1 << 20) + 1, 2));
      await b.finish();
    } finally {
      await device.close();
    }
  });
});
