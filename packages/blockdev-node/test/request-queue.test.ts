// The request queue: adjacent requests merge into one vectored call, no more
// than queueDepth async transfers run at once, overlapping requests keep
// submission order, barriers run alone, and a failed merge is retried per
// request so each caller gets its own result.
import { readFile } from 'node:fs/promises';
import { FsError } from '@iomap/core';
import { describe, expect, it } from 'vitest';
import { FileDevice } from '../src/index.js';
import { zeroCounters } from '../src/file-device-stats.js';
import { IOV_MAX, RequestQueue, type RequestQueueOptions } from '../src/request-queue.js';
import { FakeFileIo, type FakeFileIoOptions } from './fake-file-io.js';
import { expectBytes, pattern } from './bytes.js';
import { useTempDir } from './temp-dir.js';

const tmp = useTempDir();

function queueOn(
  size: number,
  options: Partial<RequestQueueOptions> = {},
  fake: FakeFileIoOptions = {},
): { io: FakeFileIo; queue: RequestQueue } {
  const io = new FakeFileIo(new Uint8Array(size), fake);
  const queue = new RequestQueue(
    io,
    { queueDepth: 4, syncMaxBytes: 0, maxMergeBytes: 1 << 20, path: '/fake', ...options },
    zeroCounters(),
  );
  return { io, queue };
}

/** Lets queued microtasks and setImmediate callbacks run. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('merging', () => {
  it('merges concurrent adjacent writes into one writev (FileDevice, real file)', async () => {
    const dev = await FileDevice.open(tmp.path('merge.img'), { create: true, size: 1 << 20, syncMaxBytes: 0 });
    const blocks = Array.from({ length: 8 }, (_, i) => pattern(4096, i + 1));
    await Promise.all(blocks.map((b, i) => dev.write(i * 4096, b)));
    expect(dev.stats()).toMatchObject({
      requests: 8,
      operations: 1,
      merged: 7,
      asyncOperations: 1,
      bytesWritten: 32768,
    });
    const outs = blocks.map(() => new Uint8Array(4096));
    dev.resetStats();
    await Promise.all(outs.map((o, i) => dev.read(i * 4096, o)));
    outs.forEach((o, i) => expectBytes(o, blocks[i] as Uint8Array));
    expect(dev.stats()).toMatchObject({ requests: 8, operations: 1, merged: 7 });
    await dev.close();
    const file = await readFile(dev.path);
    blocks.forEach((b, i) => expectBytes(file.subarray(i * 4096, (i + 1) * 4096), b));
  });

  it('issues exactly one vectored call with every buffer', async () => {
    const { io, queue } = queueOn(1 << 16);
    await Promise.all([
      queue.submit(true, 0, 512, [pattern(512, 1)]),
      queue.submit(true, 512, 1024, [pattern(512, 2), pattern(512, 3)]),
      queue.submit(true, 1536, 512, [pattern(512, 4)]),
    ]);
    expect(io.calls).toEqual([{ op: 'write', sync: false, pos: 0, lengths: [512, 512, 512, 512] }]);
    expectBytes(io.bytes.subarray(512, 1024), pattern(512, 2));
  });

  it('does not merge across a gap, an overlap, or a change of direction', async () => {
    const { io, queue } = queueOn(1 << 16);
    await Promise.all([
      queue.submit(true, 0, 512, [new Uint8Array(512)]),
      queue.submit(true, 1024, 512, [new Uint8Array(512)]), // gap
      queue.submit(false, 1536, 512, [new Uint8Array(512)]), // direction
      queue.submit(false, 1536, 512, [new Uint8Array(512)]), // overlap
    ]);
    expect(io.calls.map((c) => c.pos)).toEqual([0, 1024, 1536, 1536]);
    expect(queue.counters.merged).toBe(0);
  });

  it('stops a merge at maxMergeBytes and at IOV_MAX buffers', async () => {
    const bySize = queueOn(1 << 16, { maxMergeBytes: 2048 });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => bySize.queue.submit(true, i * 512, 512, [new Uint8Array(512)])),
    );
    expect(bySize.io.calls.map((c) => c.lengths.length)).toEqual([4, 4]);

    const byCount = queueOn(1 << 16);
    const n = IOV_MAX + 5;
    await Promise.all(Array.from({ length: n }, (_, i) => byCount.queue.submit(true, i, 1, [new Uint8Array(1)])));
    expect(byCount.io.calls.map((c) => c.lengths.length)).toEqual([IOV_MAX, 5]);
  });

  it('merges requests that waited behind a full queue', async () => {
    const { io, queue } = queueOn(1 << 16, { queueDepth: 1 }, { manual: true });
    const all = [queue.submit(false, 0, 1024, [new Uint8Array(1024)])];
    await tick();
    expect(io.parkedCount).toBe(1); // the first went alone and holds the only slot
    for (let i = 1; i < 6; i++) all.push(queue.submit(false, i * 1024, 1024, [new Uint8Array(1024)]));
    await tick();
    expect(queue.pendingCount).toBe(5);
    io.release();
    await tick();
    expect(io.parkedCount).toBe(1);
    expect(io.calls[1]).toMatchObject({ pos: 1024, lengths: [1024, 1024, 1024, 1024, 1024] });
    io.release();
    await Promise.all(all);
    expect(queue.counters).toMatchObject({ requests: 6, operations: 2, merged: 4 });
  });

  it('retries a failed merged transfer per request, so only the bad one fails', async () => {
    const { queue } = queueOn(1 << 16, {}, { failRange: { pos: 1024, end: 1025, code: 'EIO' } });
    const results = await Promise.allSettled([
      queue.submit(true, 0, 1024, [pattern(1024, 1)]),
      queue.submit(true, 1024, 1024, [pattern(1024, 2)]),
      queue.submit(true, 2048, 1024, [pattern(1024, 3)]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[1] as PromiseRejectedResult).reason as FsError;
    expect(reason).toBeInstanceOf(FsError);
    expect(reason.code).toBe('EIO');
  });

  it('retries a failed merged sync transfer per request too', async () => {
    const { queue } = queueOn(1 << 16, { syncMaxBytes: Infinity }, { failRange: { pos: 0, end: 1, code: 'EIO' } });
    const results = await Promise.allSettled([
      queue.submit(false, 0, 512, [new Uint8Array(512)]),
      queue.submit(false, 512, 512, [new Uint8Array(512)]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });
});

describe('queue depth', () => {
  it('never runs more than queueDepth async transfers (fake file, held completions)', async () => {
    const { io, queue } = queueOn(1 << 20, { queueDepth: 3 }, { manual: true });
    const all = Array.from({ length: 10 }, (_, i) => queue.submit(false, i * 8192, 4096, [new Uint8Array(4096)]));
    await tick();
    expect(io.inFlight).toBe(3);
    expect(queue.pendingCount).toBe(7);
    while (io.parkedCount > 0) {
      expect(io.inFlight).toBeLessThanOrEqual(3);
      io.release();
      await tick();
    }
    await Promise.all(all);
    expect(io.peakInFlight).toBe(3);
    expect(queue.counters.peakInFlight).toBe(3);
  });

  it('keeps a FileDevice within its queueDepth under 64 concurrent random reads', async () => {
    const dev = await FileDevice.open(tmp.path('depth.img'), {
      create: true,
      size: 4 << 20,
      queueDepth: 2,
      syncMaxBytes: 0,
    });
    const reads = Array.from({ length: 64 }, (_, i) => dev.read(((i * 37) % 512) * 8192, new Uint8Array(4096)));
    expect(dev.stats().pending).toBe(64);
    await Promise.all(reads);
    const stats = dev.stats();
    expect(stats.peakInFlight).toBe(2);
    expect(stats.operations).toBe(64);
    expect(stats.inFlight).toBe(0);
    await dev.close();
  });

  it('runs small transfers synchronously without taking a slot', async () => {
    const dev = await FileDevice.open(tmp.path('sync.img'), { create: true, size: 1 << 20 });
    await Promise.all([dev.write(0, new Uint8Array(4096)), dev.read(65536, new Uint8Array(4096))]);
    await dev.write(0, new Uint8Array(512 * 1024)); // larger than syncMaxBytes
    expect(dev.stats()).toMatchObject({ syncOperations: 2, asyncOperations: 1, peakInFlight: 1 });
    await dev.close();
  });
});

describe('ordering', () => {
  it('holds a request that overlaps a running write until that write is done', async () => {
    const { io, queue } = queueOn(1 << 16, {}, { manual: true });
    const order: string[] = [];
    const first = queue.submit(true, 0, 4096, [pattern(4096, 1)]).then(() => order.push('first write'));
    const read = new Uint8Array(100);
    const second = queue.submit(false, 3996, 100, [read]).then(() => order.push('overlapping read'));
    const third = queue.submit(false, 8192, 100, [new Uint8Array(100)]).then(() => order.push('read behind it'));
    await tick();
    expect(io.parkedCount).toBe(1); // the overlapping read waits, and the queue behind it
    io.release();
    await tick();
    io.release();
    await tick();
    io.release();
    await Promise.all([first, second, third]);
    expect(order[0]).toBe('first write');
    expectBytes(read, pattern(4096, 1).subarray(3996, 4096));
  });

  it('lets non-overlapping reads and writes run side by side', async () => {
    const { io, queue } = queueOn(1 << 16, {}, { manual: true });
    const all = [
      queue.submit(true, 0, 512, [new Uint8Array(512)]),
      queue.submit(false, 4096, 512, [new Uint8Array(512)]),
      queue.submit(false, 0, 10, [new Uint8Array(10)]).catch(() => undefined), // overlaps the write: waits
    ];
    await tick();
    expect(io.parkedCount).toBe(2);
    io.release();
    await tick();
    io.release();
    await Promise.all(all);
  });

  it('runs a barrier alone: after the running transfers, before later ones', async () => {
    const { io, queue } = queueOn(1 << 16, {}, { manual: true });
    let seenByBarrier: { inFlight: number; calls: number; written: Uint8Array } | undefined;
    const before = queue.submit(true, 0, 512, [pattern(512, 5)]);
    const barrier = queue.barrier(async () => {
      seenByBarrier = { inFlight: io.inFlight, calls: io.calls.length, written: io.bytes.slice(0, 512) };
    });
    const after = queue.submit(true, 4096, 512, [new Uint8Array(512)]);
    await tick();
    expect(io.parkedCount).toBe(1);
    expect(seenByBarrier).toBeUndefined(); // waits for the running write
    io.release();
    await tick();
    expect(seenByBarrier).toEqual({ inFlight: 0, calls: 1, written: pattern(512, 5) });
    io.release(); // the write queued after the barrier
    await Promise.all([before, barrier, after]);
    expect(io.calls.map((c) => c.pos)).toEqual([0, 4096]);
  });

  it('drain resolves once everything queued has finished', async () => {
    const { io, queue } = queueOn(1 << 16, {}, { manual: true });
    let finished = false;
    void queue.submit(true, 0, 512, [new Uint8Array(512)]).then(() => (finished = true));
    const drained = queue.drain();
    await tick();
    io.release();
    await drained;
    expect(finished).toBe(true);
    await queue.drain(); // idle: resolves at once
  });
});
