// DIO-16 (atomic), DIO-17 (submitIo, ANON_WRITE), DIO-19 (first error wins),
// DIO-20 (request building, queue depth, straight from the caller's buffer).
import { describe, expect, it } from 'vitest';
import {
  DioRequestFlags,
  FsError,
  IomapFlags,
  IomapType,
  MemoryBlockDevice,
  NULL_ADDR,
  type DioRequest,
  type IomapOps,
} from '@iomap/core';
import { FaultDevice, referenceWrite, type ExtentMapInode } from '@iomap/testkit';
import { IocbFlags, dioRw, dioSubmitRequest } from '../src/index.js';
import { pattern, sameBytes, setup } from './helpers.js';

describe('request building (DIO-20)', () => {
  it('a 1 MiB write over one extent with a 256K device limit gives 4 requests on contiguous sectors', async () => {
    const s = await setup({ deviceOptions: { maxRequestBytes: 256 * 1024 } });
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(1 << 20));
    s.device.calls.length = 0;
    const data = pattern(1 << 20);
    expect(await dioRw(s.iocb(0, 'write'), data, s.spy)).toBe(1 << 20);
    const writes = s.device.of('write');
    expect(writes.map((c) => c.length)).toEqual([262144, 262144, 262144, 262144]);
    for (let i = 1; i < writes.length; i++) expect(writes[i]?.pos).toBe((writes[i - 1]?.pos ?? 0) + 262144);
    expect(s.spy.begins).toHaveLength(1);
  });

  it('requests go straight from and into the caller\'s buffer: views, no copies', async () => {
    const s = await setup({ deviceOptions: { maxRequestBytes: 8192 } });
    const data = pattern(32768);
    await dioRw(s.iocb(0, 'write'), data, s.spy);
    const writes = s.device.of('write');
    expect(writes.length).toBe(4);
    writes.forEach((c, i) => {
      expect(c.buffer?.buffer).toBe(data.buffer);
      expect(c.buffer?.byteOffset).toBe(data.byteOffset + i * 8192);
    });
    const out = new Uint8Array(32768);
    await dioRw(s.iocb(0, 'read'), out, s.spy);
    for (const c of s.device.of('read')) expect(c.buffer?.buffer).toBe(out.buffer);
    expect(sameBytes(out, data)).toBe(true);
  });

  it('never crosses a mapping boundary, and iocb.maxRequestBytes is rounded to the alignment', async () => {
    const s = await setup({ maxMappingLength: 12288, allocation: 'fragmented' });
    await dioRw(s.iocb(0, 'write', { maxRequestBytes: 5000 }), pattern(24576), s.spy);
    const maps = s.spy.begins.map((c) => c.mapping);
    const writes = s.device.of('write');
    for (const w of writes) {
      expect(w.length % 512).toBe(0);
      expect(w.length).toBeLessThanOrEqual(4608);
      const inside = maps.some((m) => m && w.pos >= m.addr && w.pos + w.length <= m.addr + m.length);
      expect(inside).toBe(true);
    }
    expect(sameBytes(await s.fs.readRaw(s.file, 0, 24576), pattern(24576))).toBe(true);
  });

  it('keeps up to queueDepth requests in flight, and no more', async () => {
    const s = await setup({ deviceOptions: { delayMs: 3 } });
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(65536));
    await dioRw(s.iocb(0, 'read', { maxRequestBytes: 4096, queueDepth: 4 }), new Uint8Array(65536), s.spy);
    expect(s.device.maxInFlight).toBe(4);
    s.device.maxInFlight = 0;
    await dioRw(s.iocb(0, 'read', { maxRequestBytes: 4096, queueDepth: 1 }), new Uint8Array(65536), s.spy);
    expect(s.device.maxInFlight).toBe(1);
  });

  it('copies the iocb hint and priority into every request', async () => {
    const s = await setup();
    const seen: [number | undefined, number | undefined][] = [];
    await dioRw(s.iocb(0, 'write', { writeHint: 3, priority: 7 }), pattern(8192), s.spy, {
      submitIo: async (_i, r) => {
        seen.push([r.writeHint, r.priority]);
        await dioSubmitRequest(r);
      },
    });
    expect(seen).toEqual([[3, 7]]);
  });
});

describe('atomic writes (DIO-16)', () => {
  const atomicOps = (s: Awaited<ReturnType<typeof setup>>, piece: number): IomapOps<ExtentMapInode> => ({
    iomapBegin: async (inode, pos, length, op) => {
      const map = await s.fs.iomapBegin(inode, pos, Math.min(length, piece), op);
      return { ...map, length: Math.min(map.length, piece - (pos - map.offset)), flags: map.flags | IomapFlags.AtomicBio };
    },
    iomapEnd: (...args) => s.fs.iomapEnd(...args),
  });

  it('a 16K atomic write spanning two ATOMIC_BIO mappings is EINVAL, with nothing written', async () => {
    const s = await setup();
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(16384));
    s.device.calls.length = 0;
    const spied = atomicOps(s, 8192);
    await expect(dioRw(s.iocb(0, 'write', { flags: IocbFlags.Atomic }), pattern(16384), spied)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(s.device.of('write')).toHaveLength(0);
  });

  it('one ATOMIC_BIO mapping gives a single device request flagged Atomic', async () => {
    const s = await setup({ deviceOptions: { maxRequestBytes: 4096 } });
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(16384));
    const requests: DioRequest[] = [];
    const submitIo = async (_i: ExtentMapInode, r: DioRequest) => {
      requests.push(r);
      await dioSubmitRequest(r);
    };
    const iocb = s.iocb(0, 'write', { flags: IocbFlags.Atomic, maxRequestBytes: 16384 });
    expect(await dioRw(iocb, pattern(16384), atomicOps(s, 1 << 20), { submitIo })).toBe(16384);
    expect(requests.map((r) => [r.buffer.length, r.flags & DioRequestFlags.Atomic])).toEqual([[16384, DioRequestFlags.Atomic]]);
  });

  it('an atomic write larger than one request is EINVAL (it cannot be one device write)', async () => {
    const s = await setup({ deviceOptions: { maxRequestBytes: 4096 } });
    await referenceWrite(s.fs, s.file, 0, new Uint8Array(16384));
    const iocb = s.iocb(0, 'write', { flags: IocbFlags.Atomic });
    await expect(dioRw(iocb, pattern(16384), atomicOps(s, 1 << 20))).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('submitIo and ANON_WRITE (DIO-17)', () => {
  it('the hook sees every device request with correct file offsets', async () => {
    const s = await setup({ maxMappingLength: 8192, allocation: 'reverse', deviceOptions: { maxRequestBytes: 4096 } });
    const seen: [number, number, number][] = [];
    const data = pattern(24576);
    await dioRw(s.iocb(0, 'write'), data, s.spy, {
      submitIo: async (_i, r) => {
        seen.push([r.fileOffset, r.buffer.length, r.addr]);
        expect(sameBytes(r.buffer, data.subarray(r.fileOffset, r.fileOffset + r.buffer.length))).toBe(true);
        await dioSubmitRequest(r);
      },
    });
    expect(seen.map(([off, len]) => [off, len])).toEqual([0, 4096, 8192, 12288, 16384, 20480].map((o) => [o, 4096]));
    for (const [off, , addr] of seen) {
      const map = s.spy.begins.map((c) => c.mapping).find((m) => m && off >= m.offset && off < m.offset + m.length);
      expect(addr).toBe((map?.addr ?? -1) + off - (map?.offset ?? 0));
    }
    expect(s.device.of('write')).toHaveLength(6);
  });

  it('ANON_WRITE mappings need the hook, which assigns the address', async () => {
    const s = await setup();
    const store = new MemoryBlockDevice({ size: 1 << 20 });
    const anon: IomapOps<ExtentMapInode> = {
      iomapBegin: async (_i, pos) => ({ offset: pos, length: 8192, addr: NULL_ADDR, type: IomapType.Mapped, flags: IomapFlags.AnonWrite, device: store }),
    };
    await expect(dioRw(s.iocb(0, 'write'), pattern(4096), anon)).rejects.toMatchObject({ code: 'EIO', specId: 'DIO-17' });
    let next = 65536;
    await dioRw(s.iocb(0, 'write'), pattern(4096), anon, {
      submitIo: async (_i, r) => {
        expect(r.addr).toBe(NULL_ADDR);
        await r.device.write(next, r.buffer); // zone append: the device picks the place
        next += r.buffer.length;
      },
    });
    expect(sameBytes(store.bytes.subarray(65536, 65536 + 4096), pattern(4096))).toBe(true);
  });

  it('dioSubmitRequest refuses an unassigned address', async () => {
    const dev = new MemoryBlockDevice({ size: 4096 });
    const request = {
      kind: 'write',
      device: dev,
      addr: NULL_ADDR,
      fileOffset: 0,
      buffer: new Uint8Array(512),
      flags: 0,
      iomap: { offset: 0, length: 512, addr: NULL_ADDR, type: IomapType.Mapped, flags: IomapFlags.AnonWrite },
      writeHint: undefined,
      priority: undefined,
    } as const;
    await expect(dioSubmitRequest(request)).rejects.toMatchObject({ code: 'EIO' });
  });
});

describe('errors (DIO-19)', () => {
  it('an EIO mid-request fails the write; later requests are not submitted', async () => {
    const s = await setup({ wrap: (d) => new FaultDevice(d, [{ kind: 'error', ops: ['write'], after: 1, times: 1 }]) });
    await expect(dioRw(s.iocb(0, 'write', { queueDepth: 1, maxRequestBytes: 4096 }), pattern(32768), s.spy)).rejects.toMatchObject({ code: 'EIO' });
    expect(s.device.of('write')).toHaveLength(1); // the one after the failure was never sent
    expect(s.spy.ends[0]?.written).toBe(8192);
  });

  it('two failing requests with different errors: the first recorded wins', async () => {
    const s = await setup({
      wrap: (d) =>
        new FaultDevice(d, [
          { kind: 'delay', ms: 20, ops: ['write'], range: { pos: 4096, length: 4096 } },
          { kind: 'error', code: 'EIO', ops: ['write'], range: { pos: 4096, length: 4096 } },
          { kind: 'error', code: 'ENOSPC', ops: ['write'], range: { pos: 8192, length: 4096 } },
        ]),
    });
    // device blocks: file block 0 at 4096 (fails late with EIO), block 1 at 8192 (fails at once with ENOSPC)
    const failure = dioRw(s.iocb(0, 'write', { maxRequestBytes: 4096 }), pattern(8192), s.spy);
    await expect(failure).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('a read error fails the read; nothing is reported as read', async () => {
    const s = await setup({ wrap: (d) => new FaultDevice(d, [{ kind: 'error', ops: ['read'] }]) });
    await referenceWrite(s.fs, s.file, 0, pattern(8192)).catch(() => undefined);
    await s.fs.setSize(s.file, 8192);
    const iocb = s.iocb(0, 'read');
    await expect(dioRw(iocb, new Uint8Array(8192), s.spy)).rejects.toMatchObject({ code: 'EIO' });
    expect(iocb.pos).toBe(0);
  });

  it('a filesystem error on the 2nd mapping fails the whole direct I/O, like the kernel', async () => {
    const s = await setup({ maxMappingLength: 4096 });
    const ops: IomapOps<ExtentMapInode> = {
      iomapBegin: async (inode, pos, length, op) => {
        if (pos >= 4096) throw new FsError('ENOSPC', 'full');
        return s.fs.iomapBegin(inode, pos, length, op);
      },
      iomapEnd: (...args) => s.fs.iomapEnd(...args),
    };
    await expect(dioRw(s.iocb(0, 'write'), pattern(8192), ops)).rejects.toMatchObject({ code: 'ENOSPC' });
  });
});
