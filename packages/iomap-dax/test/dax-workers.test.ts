// DAX over a SharedArrayBuffer shared with worker threads (DAX-1, DAX-5):
// data stored by the main thread through daxRw and through mapped views is
// read by other threads straight from device memory, using the device
// addresses daxMap's views carry.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '@iomap/core';
import { daxMap, daxRw } from '../src/index.js';
import { daxFixture, daxWrite, pattern, sameBytes } from './support/dax-fixture.js';

interface RoundResult {
  round: number;
  bytes: Uint8Array;
}

/** A reader thread and one promise per round it reports (created up front, so no message is missed). */
function startReader(workerData: unknown, rounds: number): { worker: Worker; rounds: Promise<RoundResult>[] } {
  const worker = new Worker(new URL('./support/dax-reader.worker.mjs', import.meta.url), { workerData });
  const settle: { resolve: (r: RoundResult) => void; reject: (e: unknown) => void }[] = [];
  const promises = Array.from({ length: rounds }, () => new Promise<RoundResult>((resolve, reject) => settle.push({ resolve, reject })));
  let got = 0;
  worker.on('message', (m: RoundResult) => settle[got++]?.resolve(m));
  worker.on('error', (err) => settle.forEach((s) => s.reject(err)));
  worker.on('exit', (code) => settle.slice(got).forEach((s) => s.reject(new Error(`reader exited with ${code} after ${got} rounds`))));
  return { worker, rounds: promises };
}

describe('DAX across worker threads (DAX-1, DAX-5)', () => {
  it('lets worker readers see daxRw writes and mapped stores of the main thread in the shared device memory', async () => {
    const { fs, inode, file, device } = await daxFixture({ shared: true, fs: { allocation: 'fragmented' } });
    const size = 6 * PAGE_SIZE;
    await daxWrite(fs, file, 0, new Uint8Array(size)); // allocate (scattered blocks)
    const layout = await daxMap(file, 0, size);
    expect(layout.segments.length).toBeGreaterThan(1);
    const regions = layout.segments.map((s) => {
      expect(s.kind).toBe('device');
      expect(s.view.buffer).toBe(device.bytes.buffer);
      return { pos: s.pos, byteOffset: s.view.byteOffset, length: s.length };
    });
    expect(device.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    const control = new SharedArrayBuffer(4);
    const generation = new Int32Array(control);
    const readers = [1, 2, 3].map(() => startReader({ device: device.bytes.buffer, control, regions, rounds: 2 }, 2));
    try {
      // Round 1: written through daxRw.
      const first = pattern(size, 11);
      await daxRw(file, { pos: 0, write: true }, first);
      Atomics.store(generation, 0, 1);
      Atomics.notify(generation, 0);
      // Round 2: stored through a writable mapped view, once every reader has copied round 1.
      const second = pattern(size, 12);
      const w = await daxMap(file, 0, size, { write: true });
      await Promise.all(readers.map((r) => r.rounds[0]));
      w.store(0, second);
      w.release();
      Atomics.store(generation, 0, 2);
      Atomics.notify(generation, 0);
      for (const r of readers) {
        const got = await Promise.all(r.rounds);
        expect(got.map((g) => g.round)).toEqual([1, 2]);
        expect(sameBytes(got[0]?.bytes as Uint8Array, first)).toBe(true);
        expect(sameBytes(got[1]?.bytes as Uint8Array, second)).toBe(true);
      }
      expect(inode.size).toBe(size);
    } finally {
      layout.release();
      await Promise.all(readers.map((r) => r.worker.terminate()));
    }
  });
});
