// DIO-5 (alignment) and DIO-21 (FSBLOCK_ALIGNED, BOUNCE).
import { describe, expect, it } from 'vitest';
import { IomapType, MemoryBlockDevice, type IomapOps } from '@iomap/core';
import { referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import { DioFlags, dioRw } from '../src/index.js';
import { pattern, sameBytes, setup } from './helpers.js';

describe('alignment (DIO-5)', () => {
  it('allows 512-byte aligned I/O on a 512-byte device with 4K filesystem blocks', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(8192));
    expect(await dioRw(s.iocb(512, 'write'), pattern(1024, 4), s.spy)).toBe(1024);
    const back = new Uint8Array(1536);
    expect(await dioRw(s.iocb(1024, 'read'), back, s.spy)).toBe(1536);
    expect(sameBytes(back.subarray(0, 512), pattern(1024, 4).subarray(512))).toBe(true);
  });

  it('rejects a misaligned offset or length with EINVAL before any mapping or I/O', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(8192));
    s.device.calls.length = 0;
    await expect(dioRw(s.iocb(100, 'write'), pattern(512), s.spy)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(dioRw(s.iocb(0, 'write'), pattern(100), s.spy)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(dioRw(s.iocb(100, 'read'), new Uint8Array(512), s.spy)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(dioRw(s.iocb(-512, 'read'), new Uint8Array(512), s.spy)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(dioRw(s.iocb(0.5, 'read'), new Uint8Array(512), s.spy)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(s.spy.calls).toHaveLength(0);
    expect(s.device.calls).toHaveLength(0);
  });

  it('uses the device of each mapping: a 4K-sector device refuses 512-byte segments', async () => {
    const s = await setup();
    const big = new MemoryBlockDevice({ size: 1 << 20, logicalBlockSize: 4096 });
    const ops: IomapOps<ExtentMapInode> = {
      iomapBegin: async () => ({ offset: 0, length: 1 << 20, addr: 0, type: IomapType.Mapped, flags: 0, device: big }),
    };
    await s.fs.setSize(s.file, 1 << 20);
    await expect(dioRw(s.iocb(512, 'read'), new Uint8Array(512), ops)).rejects.toMatchObject({ code: 'EINVAL', message: /4096/ });
    expect(await dioRw(s.iocb(4096, 'read'), new Uint8Array(4096), ops)).toBe(4096);
  });

  it('rejects unknown flags and invalid iocb numbers with EINVAL', async () => {
    const s = await setup();
    await expect(dioRw(s.iocb(0, 'write'), pattern(512), s.spy, {}, 1 << 20)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(dioRw(s.iocb(0, 'write', { blockSize: 3000 }), pattern(512), s.spy)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(dioRw(s.iocb(0, 'write', { queueDepth: 0 }), pattern(512), s.spy)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(dioRw(s.iocb(0, 'write', { maxRequestBytes: -1 }), pattern(512), s.spy)).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('FSBLOCK_ALIGNED and BOUNCE (DIO-21)', () => {
  it('FSBLOCK_ALIGNED raises the alignment to the filesystem block', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(8192));
    await expect(dioRw(s.iocb(512, 'write'), pattern(512), s.spy, {}, DioFlags.FsblockAligned)).rejects.toMatchObject({
      code: 'EINVAL',
      message: /4096/,
    });
    expect(await dioRw(s.iocb(4096, 'write'), pattern(4096), s.spy, {}, DioFlags.FsblockAligned)).toBe(4096);
  });

  it('BOUNCE hands the device a private copy, so changing the buffer during a write cannot tear it', async () => {
    const s = await setup({ deviceOptions: { delayMs: 5 } });
    const data = pattern(4096);
    const expected = data.slice();
    const write = dioRw(s.iocb(0, 'write'), data, s.spy, {}, DioFlags.Bounce);
    await new Promise((resolve) => setTimeout(resolve, 1));
    data.fill(0xff); // the caller scribbles over its buffer while the write is in flight
    expect(await write).toBe(4096);
    expect(sameBytes(await s.fs.readRaw(s.file, 0, 4096), expected)).toBe(true);
    expect(s.device.of('write')[0]?.buffer?.buffer).not.toBe(data.buffer);
  });

  it('BOUNCE reads reach the caller only when the read succeeded', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, pattern(4096));
    const out = new Uint8Array(4096);
    expect(await dioRw(s.iocb(0, 'read'), out, s.spy, {}, DioFlags.Bounce)).toBe(4096);
    expect(sameBytes(out, pattern(4096))).toBe(true);
    expect(s.device.of('read')[0]?.buffer?.buffer).not.toBe(out.buffer);
  });
});
