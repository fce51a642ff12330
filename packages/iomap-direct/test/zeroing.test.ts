// DIO-7: sub-block zeroing of NEW and UNWRITTEN space, and of the tail of
// the last block of a write at or beyond EOF.
import { describe, expect, it } from 'vitest';
import { DioRequestFlags, IomapFlags, IomapType } from '@iomap/core';
import { referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import { dioRw, type DirectIocb } from '../src/index.js';
import { pattern, sameBytes, setup } from './helpers.js';

const POISON = 0xa5;

describe('sub-block zeroing (DIO-7)', () => {
  it('writes zeros + data + zeros for a 512-byte write at 512 into a NEW 4K block (3 writes)', async () => {
    const s = await setup({ poison: POISON });
    await s.fs.setSize(s.file, 8192); // inside EOF: only the NEW flag asks for zeroing
    s.device.calls.length = 0;
    expect(await dioRw(s.iocb(512, 'write'), pattern(512), s.spy)).toBe(512);
    const writes = s.device.of('write').filter((c) => !c.buffer?.every((b) => b === POISON));
    expect(writes.map((c) => [c.pos % 4096, c.length])).toEqual([
      [0, 512],
      [512, 512],
      [1024, 3072],
    ]);
    const block = await s.fs.readRaw(s.file, 0, 4096);
    expect(block.subarray(0, 512).every((b) => b === 0)).toBe(true);
    expect(sameBytes(block.subarray(512, 1024), pattern(512))).toBe(true);
    expect(block.subarray(1024).every((b) => b === 0)).toBe(true);
  });

  it('zeroes around an unaligned write into UNWRITTEN space', async () => {
    const s = await setup({ poison: POISON });
    await s.fs.fallocate(s.file, 0, 8192);
    // poison the unwritten blocks on the device: they must never show
    const ext = s.fs.extents(s.file)[0];
    await s.memory.write(ext?.addr ?? 0, new Uint8Array(8192).fill(POISON));
    const endIo = async (inode: ExtentMapInode, pos: number, size: number) => s.fs.completeUnwritten(inode, pos, size);
    expect(await dioRw(s.iocb(1536, 'write'), pattern(1024), s.spy, { endIo })).toBe(1024);
    expect(s.spy.begins[0]?.mapping?.type).toBe(IomapType.Unwritten);
    const block = await s.fs.readRaw(s.file, 0, 4096);
    expect(block.subarray(0, 1536).every((b) => b === 0)).toBe(true);
    expect(sameBytes(block.subarray(1536, 2560), pattern(1024))).toBe(true);
    expect(block.subarray(2560).every((b) => b === 0)).toBe(true);
  });

  it('marks zeroing requests with DioRequestFlags.Zero and never zeroes whole-block writes', async () => {
    const s = await setup({ poison: POISON });
    const flags: number[] = [];
    const submitIo = async (_inode: ExtentMapInode, request: { flags: number; device: { write(p: number, d: Uint8Array): Promise<void> }; addr: number; buffer: Uint8Array }) => {
      flags.push(request.flags);
      await request.device.write(request.addr, request.buffer);
    };
    await dioRw(s.iocb(0, 'write'), pattern(8192), s.spy, { submitIo });
    expect(flags.every((f) => (f & DioRequestFlags.Zero) === 0)).toBe(true);
    flags.length = 0;
    await dioRw(s.iocb(16384 + 512, 'write'), pattern(512), s.spy, { submitIo });
    expect(flags.filter((f) => f & DioRequestFlags.Zero)).toHaveLength(2);
  });

  it('zeroes the tail of the last block of a write beyond EOF, even over MAPPED blocks', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(8192).fill(0x77));
    await s.fs.setSize(s.file, 4096); // block 1 stays mapped, holding 0x77 past EOF
    s.device.calls.length = 0;
    expect(await dioRw(s.iocb(4096, 'write'), pattern(1024), s.spy)).toBe(1024);
    const map = s.spy.begins[0]?.mapping;
    expect(map?.type).toBe(IomapType.Mapped);
    expect((map?.flags ?? 0) & IomapFlags.New).toBe(0); // only "at/after EOF" asks for the zeroing
    const writes = s.device.of('write').map((c) => [c.pos % 4096, c.length]);
    expect(writes).toEqual([
      [0, 1024],
      [1024, 3072],
    ]);
    const raw = new Uint8Array(4096);
    await s.memory.read((s.fs.extents(s.file)[0]?.addr ?? 0) + 4096, raw);
    expect(raw.subarray(1024).every((b) => b === 0)).toBe(true);
  });

  it('does not zero the tail of an overwrite inside EOF', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(8192).fill(0x77));
    s.device.calls.length = 0;
    await dioRw(s.iocb(512, 'write'), pattern(512), s.spy);
    expect(s.device.of('write').map((c) => c.length)).toEqual([512]);
    const block = await s.fs.readRaw(s.file, 0, 4096);
    expect(block[0]).toBe(0x77);
    expect(block[1024]).toBe(0x77);
  });

  it('refuses zeroing for filesystem blocks over 64 KiB with EINVAL', async () => {
    const s = await setup({ blockSize: 128 * 1024, deviceSize: 8 * 1024 * 1024 });
    const iocb: DirectIocb<ExtentMapInode> = s.iocb(512, 'write');
    await expect(dioRw(iocb, pattern(512), s.spy)).rejects.toMatchObject({ code: 'EINVAL', message: /64|65536/ });
  });
});
