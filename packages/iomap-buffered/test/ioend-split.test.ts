// BUF-41 split ioends: a child split off the front of an ioend is written
// on its own; the parent completes once, for the whole range, after all.
import { describe, expect, it } from 'vitest';
import { FsError, IomapContractError } from '@iomap/core';
import { IoendBuilder, ioendDone, splitIoend } from '../src/ioend.js';
import { bufferedWrite, writebackPass } from '../src/index.js';
import { harness, pattern, readAll, sameBytes } from './support/harness.js';

const KiB = 1024;
const MiB = 1 << 20;

async function dirtyFile(bs: number) {
  const h = await harness({ blockSize: bs, maxFolioSize: 64 * KiB, deviceSize: 8 * MiB });
  const data = pattern(MiB, 41);
  expect(await bufferedWrite(h.mapping, 0, data)).toBe(MiB);
  return { h, data };
}

describe.each([1024, 4096])('BUF-41 split ioend, %i-byte blocks', (bs) => {
  it('BUF-41: split a 1 MiB ioend at 256 KiB: parent completion fires once after both halves', async () => {
    const { h } = await dirtyFile(bs);
    const folios = [...Array(16).keys()].map((i) => h.mapping.lookup(i * 64 * KiB)!);
    const io = new IoendBuilder(h.device, 0, 2 * MiB, 0);
    for (const f of folios) {
      f.startWriteback();
      io.append(f, 0, f.size, f.pos, h.mapping.size);
      f.addWritePending(f.size);
    }
    expect(io.deviceBytes).toBe(MiB);

    const child = splitIoend(io, 256 * KiB + 100, bs)!; // rounded down to whole blocks
    expect(child).toMatchObject({ offset: 0, addr: 2 * MiB, size: 256 * KiB, deviceBytes: 256 * KiB, parent: io });
    expect(io).toMatchObject({ offset: 256 * KiB, addr: 2 * MiB + 256 * KiB, size: 768 * KiB, deviceBytes: 768 * KiB });
    expect(child.buffers().reduce((n, b) => n + b.length, 0)).toBe(256 * KiB);
    expect(io.buffers().reduce((n, b) => n + b.length, 0)).toBe(768 * KiB);
    expect(() => splitIoend(child, 4096, bs)).toThrow(IomapContractError);
    expect(splitIoend(io, MiB, bs)).toBeUndefined(); // already short enough

    // The parent's write finishes first: nothing completes yet.
    expect(ioendDone(io, undefined)).toBeUndefined();
    const done = ioendDone(child, undefined);
    expect(done).toBe(io);
    expect(io).toMatchObject({ offset: 0, addr: 2 * MiB, size: MiB, deviceBytes: MiB });
    expect(io.ranges.reduce((n, r) => n + r.len, 0)).toBe(MiB);
    expect(() => ioendDone(child, undefined)).toThrow(/BUF-41/);

    const before = h.writebackOps.completions.length;
    h.mapping.completions.push(io);
    for (const f of folios) f.finishWrite(1); // the walk's bias
    await Promise.all(folios.map((f) => f.waitWriteback()));
    expect(h.writebackOps.completions.length - before).toBe(1);
    expect(h.writebackOps.completions.at(-1)).toMatchObject({ offset: 0, size: MiB });
  });

  it('BUF-41: an error in one part is the parent\'s error; EINVAL below one block', async () => {
    const { h } = await dirtyFile(bs);
    const f = h.mapping.lookup(0)!;
    f.startWriteback();
    const io = new IoendBuilder(h.device, 0, 0, 0);
    io.append(f, 0, f.size, 0, h.mapping.size);
    expect(() => splitIoend(io, bs - 1, bs)).toThrow(FsError);
    const a = splitIoend(io, 16 * KiB, bs)!;
    const b = splitIoend(io, 16 * KiB, bs)!;
    expect([a.offset, b.offset, io.offset]).toEqual([0, 16 * KiB, 32 * KiB]);
    expect(ioendDone(b, new FsError('EIO', 'injected'))).toBeUndefined();
    expect(ioendDone(io, undefined)).toBeUndefined();
    const done = ioendDone(a, undefined)!;
    expect(done).toBe(io);
    expect(done.error?.code).toBe('EIO');
    expect(done).toMatchObject({ offset: 0, size: 64 * KiB });
    expect(done.ranges.map((r) => [r.off, r.len])).toEqual([[0, 16 * KiB], [16 * KiB, 16 * KiB], [32 * KiB, 32 * KiB]]);
  });

  it('BUF-41: writeback with maxRequestBytes issues block-aligned requests and completes each ioend once', async () => {
    const { h, data } = await dirtyFile(bs);
    h.device.addRule({ kind: 'delay', ms: 1, jitterMs: 3 }); // parts settle out of order
    h.tracker.clear();
    const before = h.writebackOps.completions.length;
    await expect(writebackPass(h.mapping, { start: 0, end: MiB, sync: true, maxRequestBytes: bs - 1 })).rejects.toMatchObject({ code: 'EINVAL' });
    const res = await writebackPass(h.mapping, { start: 0, end: MiB, sync: true, maxRequestBytes: 256 * KiB });
    await h.mapping.fsync(h.cursor);
    expect(h.tracker.writes.length).toBe(4);
    expect(res.requests).toBe(4);
    const writes = h.tracker.writes.map((w) => [w.pos, w.bytes] as const).sort((a, b) => a[0] - b[0]);
    expect(writes.every(([, n]) => n === 256 * KiB)).toBe(true);
    for (let i = 1; i < 4; i++) expect(writes[i]![0]).toBe(writes[0]![0] + i * 256 * KiB);
    const done = h.writebackOps.completions.slice(before);
    expect(done.reduce((n, c) => n + c.size, 0)).toBe(MiB);
    expect(done.length).toBe(1); // one ioend, completed once after its four writes
    const m = h.reopen();
    expect(sameBytes(await readAll(m, 0, MiB), data)).toBe('same');
  });

  it('BUF-41: a failed part of a split ioend is reported by fsync exactly once', async () => {
    const { h } = await dirtyFile(bs);
    const extent = (await h.fs.writebackMap(h.file, 0, MiB)).addr;
    h.device.addRule({ kind: 'error', ops: ['write'], range: { pos: extent + 300 * KiB, length: 1 }, times: 1 });
    await writebackPass(h.mapping, { start: 0, end: MiB, sync: true, maxRequestBytes: 256 * KiB });
    await expect(h.mapping.fsync(h.cursor)).rejects.toMatchObject({ code: 'EIO' });
    await expect(h.mapping.fsync(h.cursor)).resolves.toBeUndefined();
    expect(h.writebackOps.completions.filter((c) => c.error !== undefined).length).toBe(1);
  });
});
