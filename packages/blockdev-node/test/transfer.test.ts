// The transfer loops: short reads and writes are continued until every byte
// moved; a read that hits the end of the file early is EIO, never a short
// read; Node errors become FsErrors with the same code.
import { truncate, writeFile } from 'node:fs/promises';
import { FsError } from '@iomap/core';
import { describe, expect, it } from 'vitest';
import { FileDevice } from '../src/index.js';
import { advance, transferAsync, transferSync, type Transfer } from '../src/transfer.js';
import { FakeFileIo } from './fake-file-io.js';
import { expectBytes, pattern } from './bytes.js';
import { useTempDir } from './temp-dir.js';

const tmp = useTempDir();

function runAsync(io: FakeFileIo, t: Transfer): Promise<void> {
  return new Promise((resolve, reject) => transferAsync(io, t, '/fake', (err) => (err ? reject(err) : resolve())));
}

describe('advance', () => {
  it('drops whole buffers and splits the partly done one', () => {
    const a = new Uint8Array(4096);
    const b = new Uint8Array(4096);
    const rest = advance([a, b], 6144);
    expect(rest).toHaveLength(1);
    expect(rest[0]?.length).toBe(2048);
    expect(rest[0]?.byteOffset).toBe(2048);
    expect(advance([a, b], 4096)).toEqual([b]);
  });
});

describe.each([
  ['async', runAsync],
  ['sync', (io: FakeFileIo, t: Transfer): Promise<void> => Promise.resolve().then(() => transferSync(io, t, '/fake'))],
] as const)('transfer loops (%s)', (mode, run) => {
  it('keeps reading after short reads until the buffers are full', async () => {
    const io = new FakeFileIo(pattern(65536), { maxPerCall: 1000 });
    const a = new Uint8Array(3000);
    const b = new Uint8Array(5000);
    await run(io, { write: false, pos: 100, buffers: [a, b] });
    expectBytes(a, pattern(65536).subarray(100, 3100));
    expectBytes(b, pattern(65536).subarray(3100, 8100));
    expect(io.calls).toHaveLength(8);
    expect(io.calls.every((c) => c.sync === (mode === 'sync'))).toBe(true);
    // the call after the first 1000 bytes continued in the middle of buffer a
    expect(io.calls[1]).toMatchObject({ pos: 1100, lengths: [2000, 5000] });
  });

  it('keeps writing after short writes until every byte is written', async () => {
    const io = new FakeFileIo(new Uint8Array(65536), { maxPerCall: 777 });
    await run(io, { write: true, pos: 10, buffers: [pattern(4000, 1), pattern(100, 2)] });
    expectBytes(io.bytes.subarray(10, 4010), pattern(4000, 1));
    expectBytes(io.bytes.subarray(4010, 4110), pattern(100, 2));
  });

  it('fails with EIO when the file ends before the request does', async () => {
    const io = new FakeFileIo(pattern(5000), { maxPerCall: 1024 });
    const err = await run(io, { write: false, pos: 0, buffers: [new Uint8Array(8192)] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe('EIO');
    expect((err as FsError).message).toMatch(/unexpected end of file at byte 5000 after 5000 of 8192 bytes/);
  });

  it('fails with EIO when a write makes no progress', async () => {
    const io = new FakeFileIo(new Uint8Array(100));
    const err = await run(io, { write: true, pos: 100, buffers: [new Uint8Array(1)] }).catch((e: unknown) => e);
    expect((err as FsError).code).toBe('EIO');
    expect((err as FsError).message).toMatch(/stopped making progress/);
  });

  it('wraps the error of a failing call into an FsError with its code and cause', async () => {
    const io = new FakeFileIo(new Uint8Array(8192), { failRange: { pos: 0, end: 8192, code: 'ENOSPC' } });
    const err = await run(io, { write: true, pos: 0, buffers: [new Uint8Array(10)] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe('ENOSPC');
    expect((err as FsError).path).toBe('/fake');
    expect(((err as FsError).cause as { code: string }).code).toBe('ENOSPC');
  });
});

describe('short reads on a real file', () => {
  it.each([
    ['async', 0],
    ['sync', Infinity],
  ])('reports EIO (%s path) when the image was truncated by someone else after open', async (_mode, syncMaxBytes) => {
    const path = tmp.path('shrunk.img');
    await writeFile(path, pattern(65536));
    const dev = await FileDevice.open(path, { syncMaxBytes });
    await truncate(path, 40000);
    const out = new Uint8Array(8192);
    await dev.read(32768, out.subarray(0, 4096)); // still inside the file
    const err = await dev.read(36864, out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe('EIO');
    expect((err as FsError).message).toMatch(/truncated by another program/);
    await dev.close();
  });
});
