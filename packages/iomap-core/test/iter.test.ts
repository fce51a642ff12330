import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FsError,
  IomapContractError,
  IomapFlags,
  IomapIter,
  IomapOp,
  IomapType,
  NULL_ADDR,
  iomapIter,
  iomapLoop,
  iomapProcess,
  type IomapOps,
} from '../src/index.js';
import { TableFs, layout } from './support/table-fs.js';

const { Mapped, Hole, Unwritten } = IomapType;

function iterFor(fs: TableFs, pos: number, length: number, op = 0, priv?: unknown): IomapIter<TableFs> {
  return new IomapIter({ inode: fs, pos, length, op, private: priv });
}

describe('iomap iterator', () => {
  it('calls begin for each mapping and end after each body, in order (CORE-7)', async () => {
    const fs = new TableFs(layout([[Mapped, 4000], [Hole, 3000], [Mapped, 3000]]));
    const bodies: number[] = [];
    await iomapLoop(iterFor(fs, 0, 10000), fs.ops, (it) => {
      bodies.push(it.pos);
      it.advanceFull();
    });
    expect(bodies).toEqual([0, 4000, 7000]);
    expect(fs.calls.map((c) => `${c.kind}@${c.pos}`)).toEqual([
      'begin@0', 'end@0', 'begin@4000', 'end@4000', 'begin@7000', 'end@7000',
    ]);
  });

  it('returns false without calling the filesystem for an empty range (CORE-7)', async () => {
    const fs = new TableFs(layout([[Mapped, 4096]]));
    const it = iterFor(fs, 0, 0);
    expect(await iomapIter(it, fs.ops)).toBe(false);
    expect(fs.calls).toEqual([]);
  });

  it('refuses to continue after the iteration finished (CORE-7)', async () => {
    const fs = new TableFs(layout([[Mapped, 4096]]));
    const it = iterFor(fs, 0, 4096);
    await iomapLoop(it, fs.ops, (i) => i.advanceFull());
    await expect(iomapIter(it, fs.ops)).rejects.toBeInstanceOf(IomapContractError);
  });

  it('rejects advancing past the mapping with EIO, and two half advances end the mapping (CORE-8)', async () => {
    const fs = new TableFs(layout([[Mapped, 8192], [Mapped, 8192]]), 8192);
    const it = iterFor(fs, 0, 16384);
    expect(await iomapIter(it, fs.ops)).toBe(true);
    expect(() => it.advance(8193)).toThrow(expect.objectContaining({ code: 'EIO', specId: 'CORE-8' }));
    it.advance(4096);
    it.advance(4096);
    expect(it.iomapLength()).toBe(0);
    expect(await iomapIter(it, fs.ops)).toBe(true);
    expect(it.pos).toBe(8192);
    expect(fs.ends[0]).toMatchObject({ pos: 0, length: 8192, written: 8192 });
  });

  it('rejects negative or fractional advances (CORE-8)', async () => {
    const fs = new TableFs(layout([[Mapped, 8192]]));
    const it = iterFor(fs, 0, 8192);
    await iomapIter(it, fs.ops);
    expect(() => it.advance(-1)).toThrow(IomapContractError);
    expect(() => it.advance(1.5)).toThrow(IomapContractError);
  });

  it('limits each step to the request, the mapping and the source map (CORE-9)', async () => {
    const fs = new TableFs({
      extents: [
        {
          offset: 0,
          length: 65536,
          type: Mapped,
          addr: 1 << 20,
          flags: IomapFlags.Shared,
          srcmap: { offset: 0, length: 4096, addr: 1 << 24, type: Mapped, flags: 0 },
        },
      ],
      size: 65536,
    });
    const it = iterFor(fs, 100, 60000);
    await iomapIter(it, fs.ops);
    expect(it.iomapLength()).toBe(4096 - 100);
    const noSrc = new TableFs(layout([[Mapped, 65536]]));
    const it2 = iterFor(noSrc, 100, 5000);
    await iomapIter(it2, noSrc.ops);
    expect(it2.iomapLength()).toBe(5000);
  });

  it('reads through the source map when one is given, and the mapping otherwise (CORE-10)', async () => {
    const srcmap = { offset: 0, length: 4096, addr: 1 << 24, type: Mapped, flags: 0 } as const;
    const fs = new TableFs({
      extents: [{ offset: 0, length: 4096, type: Mapped, addr: 1 << 20, flags: IomapFlags.Shared, srcmap }],
      size: 4096,
    });
    const it = iterFor(fs, 100, 100, IomapOp.Write);
    await iomapIter(it, fs.ops);
    expect(it.readMap().addr).toBe(1 << 24);
    expect(it.iomap.addr).toBe(1 << 20);
    const plain = new TableFs(layout([[Mapped, 4096]]));
    const it2 = iterFor(plain, 0, 10);
    await iomapIter(it2, plain.ops);
    expect(it2.srcmap).toBeUndefined();
    expect(it2.readMap()).toBe(it2.iomap);
  });

  it('hands iomapEnd the start, the clipped length, the bytes done and the same op (CORE-11)', async () => {
    const fs = new TableFs(layout([[Mapped, 10240]]));
    const op = IomapOp.Write | IomapOp.NoWait;
    // A short copy: 3 bytes done, then the user buffer faults.
    const done = await iomapProcess(iterFor(fs, 1000, 5000, op), fs.ops, (it) => {
      it.advance(3);
      throw new FsError('EFAULT', 'user buffer faulted');
    });
    expect(done).toBe(3);
    expect(fs.ends).toHaveLength(1);
    expect(fs.ends[0]).toMatchObject({ pos: 1000, length: 5000, written: 3, op });
    expect(fs.begins[0]?.op).toBe(op);
  });

  it('ignores an iomapEnd error after progress but reports it when nothing was done (CORE-11)', async () => {
    const fs = new TableFs(layout([[Mapped, 4096], [Mapped, 4096]]), 4096);
    fs.endHook = () => {
      throw new FsError('EIO', 'end failed');
    };
    const done = await iomapProcess(iterFor(fs, 0, 8192), fs.ops, (it) => it.advanceFull());
    expect(done).toBe(8192);
    const fs2 = new TableFs(layout([[Mapped, 4096]]));
    fs2.endHook = () => {
      throw new FsError('ENOSPC', 'end failed');
    };
    await expect(iomapProcess(iterFor(fs2, 0, 4096), fs2.ops, () => undefined)).rejects.toMatchObject({
      code: 'ENOSPC',
    });
  });

  it('stops after one begin/end pair when the body makes no progress (CORE-12)', async () => {
    const fs = new TableFs(layout([[Mapped, 4096], [Mapped, 4096]]), 4096);
    let bodies = 0;
    await iomapLoop(iterFor(fs, 0, 8192), fs.ops, () => {
      bodies++;
    });
    expect(bodies).toBe(1);
    expect(fs.calls.map((c) => c.kind)).toEqual(['begin', 'end']);
  });

  it('maps the same position again when the body marks the mapping stale (CORE-12)', async () => {
    const fs = new TableFs(layout([[Mapped, 8192]]));
    let bodies = 0;
    await iomapLoop(iterFor(fs, 0, 8192), fs.ops, (it) => {
      bodies++;
      if (bodies === 1) it.markStale();
      else it.advanceFull();
    });
    expect(fs.begins.map((b) => b.pos)).toEqual([0, 0]);
    expect(fs.ends[0]?.iomap.flags ?? 0).toBe(IomapFlags.Stale);
    expect(bodies).toBe(2);
  });

  it('continues after partial progress on a stale mapping from the new position (CORE-12)', async () => {
    const fs = new TableFs(layout([[Mapped, 8192]]));
    let first = true;
    await iomapLoop(iterFor(fs, 0, 8192), fs.ops, (it) => {
      if (first) {
        first = false;
        it.advance(1000);
        it.markStale();
      } else it.advanceFull();
    });
    expect(fs.begins.map((b) => b.pos)).toEqual([0, 1000]);
    expect(fs.ends.map((e) => e.written)).toEqual([1000, 7192]);
  });

  it('rejects mappings that do not contain the position, have no length, or claim iomap-only flags (CORE-13, CORE-4)', async () => {
    const cases: Array<[string, (m: ReturnType<TableFs['mappingAt']>) => ReturnType<TableFs['mappingAt']>, string]> = [
      ['starts after pos', (m) => ({ ...m, offset: 11, addr: m.addr + 11 }), 'CORE-13'],
      ['ends at pos', (m) => ({ ...m, length: 10 }), 'CORE-13'],
      ['zero length', (m) => ({ ...m, length: 0 }), 'CORE-1'],
      ['stale', (m) => ({ ...m, flags: IomapFlags.Stale }), 'CORE-4'],
      ['size changed', (m) => ({ ...m, flags: IomapFlags.SizeChanged }), 'CORE-4'],
      ['mapped without address', (m) => ({ ...m, addr: NULL_ADDR }), 'CORE-1'],
      ['hole with address', (m) => ({ ...m, type: Hole }), 'CORE-1'],
      ['bad type', (m) => ({ ...m, type: 9 as never }), 'CORE-2'],
      ['bad srcmap', (m) => ({ ...m, srcmap: { ...m, offset: 20 } }), 'CORE-13'],
    ];
    for (const [name, mutate, specId] of cases) {
      const fs = new TableFs(layout([[Mapped, 8192]]));
      fs.beginHook = (_p, _l, _o, m) => mutate(m);
      const err = await iomapLoop(iterFor(fs, 10, 100), fs.ops, (it) => it.advanceFull()).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(IomapContractError);
      expect((err as IomapContractError).specId, name).toBe(specId);
      // The filesystem still gets its end call, with nothing written, to release what begin took.
      expect(fs.ends.map((e) => e.written), name).toEqual([0]);
    }
  });

  it('accepts a mapping longer than asked for and clips it (CORE-6)', async () => {
    const fs = new TableFs(layout([[Mapped, 1 << 20]]));
    const it = iterFor(fs, 4096, 100);
    await iomapIter(it, fs.ops);
    expect(it.iomap.length).toBe(1 << 20);
    expect(it.iomapLength()).toBe(100);
  });

  it('keeps filesystem records unchanged when iomap sets flags on its copy (CORE-4)', async () => {
    const shared = { offset: 0, length: 4096, addr: 0, type: Mapped, flags: 0 } as const;
    const record = { ...shared };
    const ops: IomapOps<null> = { iomapBegin: async () => record };
    const it = new IomapIter({ inode: null, pos: 0, length: 4096, op: 0 });
    await iomapIter(it, ops);
    it.markStale();
    expect(record.flags).toBe(0);
  });

  it('shows the caller private value to the filesystem and returns iomap.private unchanged to end (CORE-15)', async () => {
    const token = { id: 'caller' };
    const fsToken = { id: 'fs' };
    const seen: unknown[] = [];
    const ops: IomapOps<null> = {
      iomapBegin: async (_i, pos) => ({ offset: pos, length: 10, addr: 0, type: Mapped, flags: 0, private: fsToken }),
      iomapEnd: async (_i, _p, _l, _w, _o, iomap) => {
        seen.push(iomap.private);
      },
    };
    const it = new IomapIter({ inode: null, pos: 0, length: 10, op: 0, private: token });
    await iomapLoop(it, ops, (i) => {
      expect(i.private).toBe(token);
      i.advanceFull();
    });
    expect(seen).toEqual([fsToken]);
    expect(seen[0]).toBe(fsToken);
  });

  it('surfaces EAGAIN from a NOWAIT begin with no end call and no progress (CORE-16)', async () => {
    const fs = new TableFs(layout([[Unwritten, 8192]]));
    fs.beginHook = (_p, _l, op) => {
      if (op & IomapOp.NoWait) throw new FsError('EAGAIN', 'would allocate');
      throw new Error('unreachable');
    };
    let bodies = 0;
    const err = await iomapProcess(iterFor(fs, 0, 8192, IomapOp.Write | IomapOp.NoWait), fs.ops, () => {
      bodies++;
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EAGAIN' });
    expect(bodies).toBe(0);
    expect(fs.ends).toHaveLength(0);
  });

  it('returns the bytes of the first mapping when begin fails on the second (CORE-25)', async () => {
    const fs = new TableFs(layout([[Mapped, 4096], [Mapped, 4096]]), 4096);
    fs.beginHook = (pos, _l, _o, m) => {
      if (pos >= 4096) throw new FsError('ENOSPC', 'full');
      return m;
    };
    const done = await iomapProcess(iterFor(fs, 0, 8192, IomapOp.Write), fs.ops, (it) => it.advanceFull());
    expect(done).toBe(4096);
    expect(fs.ends).toHaveLength(1);
  });

  it('runs end before returning a body error, and reports it when nothing was done (CORE-25)', async () => {
    const fs = new TableFs(layout([[Mapped, 4096]]));
    const err = await iomapProcess(iterFor(fs, 0, 4096), fs.ops, () => {
      throw new FsError('EFAULT', 'bad buffer');
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EFAULT' });
    expect(fs.ends).toHaveLength(1);
  });

  it('re-maps when the validity cookie changed, without losing bytes (CORE-24)', async () => {
    // A file whose extent map changes (cookie bumps) between begin and the
    // body's "folio lock"; the body checks validity like a page-cache write.
    const device = new Uint8Array(1 << 16);
    let cookie = 1;
    let location = 0;
    const ops: IomapOps<null> = {
      iomapBegin: async () => ({
        offset: 0,
        length: 16384,
        addr: location,
        type: Mapped,
        flags: 0,
        validityCookie: cookie,
      }),
    };
    const iomapValid = (cookieSeen: number | undefined): boolean => cookieSeen === cookie;
    const data = new Uint8Array(12000).map((_, i) => i % 251);
    let moved = false;
    const done = await iomapProcess(new IomapIter({ inode: null, pos: 0, length: data.length, op: IomapOp.Write }), ops, (it) => {
      while (it.iomapLength() > 0) {
        if (!moved && it.pos >= 4096) {
          // Writeback moved the extent: the mapping in hand is stale now.
          device.copyWithin(32768, 0, 16384);
          location = 32768;
          cookie++;
          moved = true;
        }
        if (!iomapValid(it.iomap.validityCookie)) {
          it.markStale();
          return;
        }
        const n = Math.min(4096, it.iomapLength());
        device.set(data.subarray(it.pos, it.pos + n), it.iomap.addr + it.pos - it.iomap.offset);
        it.advance(n);
      }
    });
    expect(done).toBe(data.length);
    expect(device.subarray(32768, 32768 + data.length)).toEqual(data);
  });
});

describe('iomap iterator properties', () => {
  const extentsArb = fc.array(
    fc.record({ type: fc.constantFrom(Mapped, Hole, Unwritten), length: fc.integer({ min: 1, max: 5000 }) }),
    { minLength: 1, maxLength: 12 },
  );

  it('visits every byte of the range exactly once, and iomapEnd gets exactly the bytes advanced (CORE-7, CORE-8, CORE-11)', async () => {
    await fc.assert(
      fc.asyncProperty(
        extentsArb,
        fc.integer({ min: 1, max: 6000 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.nat(),
        fc.nat(),
        async (parts, maxMapping, chunk, startSeed, lenSeed) => {
          const file = layout(parts.map((p) => [p.type, p.length]));
          const fs = new TableFs(file, maxMapping);
          const pos = startSeed % file.size;
          const length = 1 + (lenSeed % (file.size - pos + 5000));
          const visited = new Uint8Array(length);
          let advancedInMapping = 0;
          const perMapping: number[] = [];
          const it = iterFor(fs, pos, length);
          while (await iomapIter(it, fs.ops)) {
            if (advancedInMapping !== 0 || perMapping.length > 0) perMapping.push(advancedInMapping);
            advancedInMapping = 0;
            while (it.iomapLength() > 0) {
              const n = Math.min(chunk, it.iomapLength());
              for (let b = it.pos; b < it.pos + n; b++) visited[b - pos]!++;
              it.advance(n);
              advancedInMapping += n;
            }
          }
          perMapping.push(advancedInMapping);
          expect(visited.every((v) => v === 1)).toBe(true);
          expect(fs.ends.map((e) => e.written)).toEqual(perMapping);
          expect(fs.ends.reduce((s, e) => s + e.written, 0)).toBe(length);
          for (const e of fs.ends) expect(e.length).toBe(e.written);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('iomap iterator error values', () => {
  it('ends the loop as a failure even when a body throws a non-Error value (CORE-25)', async () => {
    const fs = new TableFs(layout([[Mapped, 4096]]));
    const err = await iomapLoop(iterFor(fs, 0, 4096), fs.ops, () => {
      // eslint-disable-next-line no-throw-literal -- the point of the test
      throw undefined;
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EIO' });
    expect(fs.ends).toHaveLength(1);
  });
});
