import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  INODE_EXTRA_FIELDS,
  INODE_FIELDS,
  INODE_FLAGS,
  S_IF,
  decodeDeviceNumber,
  decodeInode,
  decodeInodeTime,
  encodeDeviceNumber,
  encodeInode,
  encodeInodeTime,
  inodeSectors,
  maxBlockMappedBytes,
  type Inode,
} from '../../src/format/inode.js';
import { diffOffsets, expectCorrupt, expectFsError, patch } from './helpers.js';

const F = INODE_FIELDS;
const X = INODE_EXTRA_FIELDS;

function inodeBytes(size: 128 | 256, values: Partial<Record<keyof typeof F | keyof typeof X, unknown>> = {}): Uint8Array {
  const b = new Uint8Array(size);
  patch(b, F, 'mode', S_IF.REG | 0o644);
  patch(b, F, 'linksCount', 1);
  if (size > 128) patch(b, X, 'extraIsize', 32);
  for (const [k, v] of Object.entries(values)) {
    if (k in F) patch(b, F, k as keyof typeof F, v);
    else patch(b, X, k as keyof typeof X, v);
  }
  return b;
}

const decode = (b: Uint8Array, blockSize = 1024): Inode => decodeInode(b, { ino: 12, inodeSize: b.length, blockSize, location: 'block 239 byte 256' });

describe('inode decoding (EXT2.md 3.1-3.2)', () => {
  it('reads exactly the extra fields i_extra_isize covers, each as its table entry says (every extra_isize)', () => {
    for (let extraIsize = 0; extraIsize <= 32; extraIsize += 4) {
      const b = inodeBytes(256);
      for (let i = 0x82; i < 0xa0; i++) b[i] = (i * 37) & 0x7f;
      patch(b, X, 'extraIsize', extraIsize);
      const got = decode(b) as unknown as Record<string, unknown>;
      const view = new DataView(b.buffer);
      for (const [key, field] of Object.entries(X)) {
        const size = field.kind === 'u16' ? 2 : 4;
        const covered = key === 'extraIsize' || field.offset + size <= 128 + extraIsize;
        const value = size === 2 ? view.getUint16(field.offset, true) : field.kind === 's32' ? view.getInt32(field.offset, true) : view.getUint32(field.offset, true);
        expect(key in got, `${key} at extra_isize ${extraIsize}`).toBe(covered);
        if (covered) expect(got[key], `${key} at extra_isize ${extraIsize}`).toBe(value);
      }
    }
  });

  it('joins uid/gid halves and i_size/i_size_high of a regular file', () => {
    const i = decode(inodeBytes(256, { uidLow: 0x5678, uidHigh: 0x1234, gidLow: 2, gidHigh: 1, sizeLow: 5, sizeHigh: 3, block: [7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0] }));
    expect(i.uid).toBe(0x12345678);
    expect(i.gid).toBe(0x10002);
    expect(i.size).toBe(3 * 2 ** 32 + 5);
    expect(i.block[0]).toBe(7);
    expect(i.block[12]).toBe(9);
  });

  it('does not count i_size_high in the size of a directory (the kernel ignores it), but keeps its bytes', () => {
    const b = inodeBytes(128, { mode: S_IF.DIR | 0o755, sizeLow: 1024, sizeHigh: 1 });
    const i = decode(b);
    expect(i.size).toBe(1024);
    expect(encodeInode(i)).toEqual(b);
    expect(encodeInode({ ...i, size: 2048 }).subarray(0x6c, 0x70)).toEqual(new Uint8Array([1, 0, 0, 0]));
  });

  it('decodes extra fields only where i_extra_isize covers them', () => {
    const b = inodeBytes(256, { extraIsize: 12, ctimeExtra: 5 << 2, mtimeExtra: 6 << 2, atimeExtra: 0xffffffff });
    const i = decode(b);
    expect(i).toMatchObject({ extraIsize: 12, checksumHi: 0, ctimeExtra: 20, mtimeExtra: 24 });
    expect([i.atimeExtra, i.crtime, i.projid]).toEqual([undefined, undefined, undefined]);
    expect(decode(inodeBytes(256, { extraIsize: 32 })).projid).toBe(0);
    expect(decode(inodeBytes(128)).extraIsize).toBeUndefined();
  });

  it('decodes a free inode (links 0) as found, garbage and all', () => {
    expect(decode(inodeBytes(128, { mode: 0, linksCount: 0, dtime: 1_700_000_000 })).dtime).toBe(1_700_000_000);
    expect(decode(inodeBytes(128, { mode: 0xf000, linksCount: 0 })).mode).toBe(0xf000);
    const garbage = inodeBytes(256, { linksCount: 0, extraIsize: 7, sizeHigh: 0xffffffff, ctimeExtra: 0xffffffff });
    expect(encodeInode(decode(garbage))).toEqual(garbage);
  });

  it('rejects a short buffer and a bad inode size with EINVAL', () => {
    expectFsError(() => decodeInode(new Uint8Array(100), { ino: 1, inodeSize: 128, blockSize: 1024 }), 'EINVAL', 'inode 1');
    expectFsError(() => decodeInode(new Uint8Array(256), { ino: 1, inodeSize: 192, blockSize: 1024 }), 'EINVAL');
  });
});

describe('inode validation: each bad field is EUCLEAN naming it', () => {
  const cases: Array<[string, Uint8Array, number?]> = [
    ['i_extra_isize 6', inodeBytes(256, { extraIsize: 6 })],
    ['i_extra_isize 2', inodeBytes(256, { extraIsize: 2 })],
    ['i_extra_isize 132', inodeBytes(256, { extraIsize: 132 })],
    ['i_mode 030644', inodeBytes(128, { mode: 0o30644 })],
    ['i_mode 0', inodeBytes(128, { mode: 0 })],
    ['i_size/i_size_high', inodeBytes(128, { sizeHigh: 0x10000 })],
    ['i_size/i_size_high', inodeBytes(128, { sizeHigh: 5 })],
    ['i_size 1000 of a directory', inodeBytes(128, { mode: S_IF.DIR | 0o755, sizeLow: 1000 })],
    ['i_ctime_extra', inodeBytes(256, { ctimeExtra: 1_000_000_000 << 2 })],
    ['i_crtime_extra', inodeBytes(256, { crtimeExtra: 0xfffffffc })],
  ];
  for (const [field, bytes] of cases) {
    it(`rejects ${field}`, () => {
      expectCorrupt(() => decode(bytes), 'corrupt inode 12 at block 239 byte 256', field);
    });
  }

  it('allows the largest size a 1 KiB block map can address, and no more', () => {
    const max = maxBlockMappedBytes(1024);
    expect(max).toBe((12 + 256 + 256 ** 2 + 256 ** 3) * 1024);
    const ok = inodeBytes(128, { sizeLow: max % 2 ** 32, sizeHigh: Math.floor(max / 2 ** 32) });
    expect(decode(ok).size).toBe(max);
    const over = inodeBytes(128, { sizeLow: (max + 1) % 2 ** 32, sizeHigh: Math.floor(max / 2 ** 32) });
    expectCorrupt(() => decode(over), 'inode 12', 'i_size');
  });
});

describe('inode encoding', () => {
  it('round-trips random 128- and 256-byte inodes byte-exactly (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(128, 256),
        fc.uint8Array({ minLength: 256, maxLength: 256 }),
        fc.constantFrom(S_IF.REG, S_IF.DIR, S_IF.LNK, S_IF.CHR, S_IF.FIFO),
        fc.constantFrom(0, 4, 8, 12, 16, 28, 32, 100, 128),
        (size, noise, type, extra) => {
          const b = noise.slice(0, size);
          patch(b, F, 'mode', type | 0o644);
          patch(b, F, 'sizeHigh', 0);
          if (type === S_IF.DIR) patch(b, F, 'sizeLow', 4096);
          if (size > 128) {
            patch(b, X, 'extraIsize', extra);
            for (const k of ['ctimeExtra', 'mtimeExtra', 'atimeExtra', 'crtimeExtra'] as const) patch(b, X, k, (noise[0] ?? 0) * 4);
          }
          const i = decode(b);
          expect(encodeInode(i)).toEqual(b);
        },
      ),
    );
  });

  it('round-trips random field values (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.record({
          uid: fc.nat(0xffffffff),
          gid: fc.nat(0xffffffff),
          size: fc.nat(2 ** 40),
          atime: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          dtime: fc.nat(0xffffffff),
          linksCount: fc.integer({ min: 1, max: 0xffff }),
          blocks: fc.nat(0xffffffff),
          flags: fc.nat(0xffffffff),
          block: fc.array(fc.nat(0xffffffff), { minLength: 15, maxLength: 15 }),
          generation: fc.nat(0xffffffff),
          fileAcl: fc.nat(0xffffffff),
          crtime: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          projid: fc.nat(0xffffffff),
        }),
        (v) => {
          const i = decode(inodeBytes(256));
          const again = decodeInode(encodeInode({ ...i, ...v }), { ino: 12, inodeSize: 256, blockSize: 4096 });
          expect({ ...again, raw: undefined }).toEqual({ ...i, ...v, raw: undefined });
        },
      ),
    );
  });

  it('writes only the changed fields, keeping in-inode xattr bytes', () => {
    const b = inodeBytes(256);
    b.fill(0x5a, 160, 256);
    const out = encodeInode({ ...decode(b), mtime: 0x01020304, uid: 0x10000 });
    expect(diffOffsets(b, out).every((o) => (o >= 0x10 && o < 0x14) || (o >= 0x78 && o < 0x7a))).toBe(true);
    expect(out.subarray(160)).toEqual(b.subarray(160));
  });

  it('refuses extra fields that i_extra_isize does not cover, and sizes that do not fit', () => {
    const i = decode(inodeBytes(256, { extraIsize: 4 }));
    expectFsError(() => encodeInode({ ...i, crtime: 5 }), 'EINVAL', 'i_crtime');
    expect(decode(encodeInode({ ...i, extraIsize: 32, crtime: 5 })).crtime).toBe(5);
    expectFsError(() => encodeInode({ ...decode(inodeBytes(128, { mode: S_IF.DIR, sizeLow: 1024 })), size: 2 ** 32 }), 'EINVAL', 'non-regular');
    expectFsError(() => encodeInode({ ...i, uid: -1 }), 'EINVAL', 'uid');
  });
});

describe('inode helpers', () => {
  it('joins seconds with the epoch bits and nanoseconds of the extra word (fast-check)', () => {
    expect(decodeInodeTime(-1)).toEqual({ seconds: -1, nanoseconds: 0 });
    expect(decodeInodeTime(-1, 1)).toEqual({ seconds: 2 ** 32 - 1, nanoseconds: 0 });
    expect(decodeInodeTime(5, (7 << 2) | 2)).toEqual({ seconds: 2 * 2 ** 32 + 5, nanoseconds: 7 });
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 34 - 2 ** 31 - 1 }), fc.nat(999_999_999), (seconds, nanoseconds) => {
        const { seconds: s32, extra } = encodeInodeTime({ seconds, nanoseconds });
        expect(s32).toBeGreaterThanOrEqual(-(2 ** 31));
        expect(s32).toBeLessThan(2 ** 31);
        expect(decodeInodeTime(s32, extra)).toEqual({ seconds, nanoseconds });
      }),
    );
    expectFsError(() => encodeInodeTime({ seconds: 2 ** 34, nanoseconds: 0 }), 'EINVAL');
    expectFsError(() => encodeInodeTime({ seconds: 0, nanoseconds: 1e9 }), 'EINVAL');
  });

  it('decodes and encodes device numbers in the old and new forms (EXT2.md 3.6)', () => {
    expect(encodeDeviceNumber({ major: 4, minor: 5 }).slice(0, 3)).toEqual([0x405, 0, 0]);
    expect(encodeDeviceNumber({ major: 259, minor: 70000 }).slice(0, 3)).toEqual([0, 0x11110370, 0]);
    expect(decodeDeviceNumber([0x405, 0])).toEqual({ major: 4, minor: 5 });
    expect(decodeDeviceNumber([0, 0x11110370])).toEqual({ major: 259, minor: 70000 });
    fc.assert(
      fc.property(fc.nat(0xfff), fc.nat(0xfffff), (major, minor) => {
        expect(decodeDeviceNumber(encodeDeviceNumber({ major, minor }))).toEqual({ major, minor });
      }),
    );
    expectFsError(() => encodeDeviceNumber({ major: 4096, minor: 0 }), 'EINVAL');
  });

  it('counts sectors with and without huge_file', () => {
    const i = { blocks: 10, blocksHigh: 1, flags: 0 };
    expect(inodeSectors(i, { hugeFile: false, blockSize: 4096 })).toBe(10);
    expect(inodeSectors(i, { hugeFile: true, blockSize: 4096 })).toBe(2 ** 32 + 10);
    expect(inodeSectors({ ...i, flags: INODE_FLAGS.HUGE_FILE }, { hugeFile: true, blockSize: 4096 })).toBe((2 ** 32 + 10) * 8);
  });
});
