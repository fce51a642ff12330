import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  SUPERBLOCK_FIELDS,
  decodeSuperblock,
  encodeSuperblock,
  blockSizeOf,
  formatUuid,
  groupCountOf,
  hasSuperblockBackup,
  inodeSizeOf,
  firstInoOf,
  lastMountedPath,
  mountPolicy,
  volumeLabel,
  type Superblock,
} from '../../src/format/superblock.js';
import { diffOffsets, expectCorrupt, expectFsError, patch, sampleSuperblockValues, superblockBytes, utf8 } from './helpers.js';

const F = SUPERBLOCK_FIELDS;

/** Decodes the sample after `mutate` changed it. */
function decodeWith(mutate: (b: Uint8Array) => void, logBlockSize = 0, inodeSize = 256): Superblock {
  const b = superblockBytes(sampleSuperblockValues(logBlockSize, inodeSize));
  mutate(b);
  return decodeSuperblock(b);
}

describe('superblock decoding (EXT2.md 1.2)', () => {
  it('reads every field at its documented offset', () => {
    const b = superblockBytes();
    expect(b[0x38]).toBe(0x53);
    expect(b[0x39]).toBe(0xef);
    const sb = decodeSuperblock(b);
    expect(sb).toMatchObject({ magic: 0xef53, blocksCount: 16385, firstDataBlock: 1, blocksPerGroup: 8192, inodesCount: 512, inodeSize: 256, maxMntCount: -1 });
    expect(blockSizeOf(sb)).toBe(1024);
    expect(groupCountOf(sb)).toBe(2);
    expect(sb.raw).toHaveLength(1024);
  });

  it('decodes 1, 2, 4 and 64 KiB block sizes', () => {
    for (const log of [0, 1, 2, 6]) {
      const sb = decodeSuperblock(superblockBytes(sampleSuperblockValues(log)));
      expect(blockSizeOf(sb)).toBe(1024 << log);
      expect(sb.firstDataBlock).toBe(log === 0 ? 1 : 0);
    }
  });

  it('uses 128-byte inodes and first inode 11 on revision 0 whatever the rev-1 fields hold', () => {
    const sb = decodeWith((b) => {
      patch(b, F, 'revLevel', 0);
      patch(b, F, 'inodeSize', 0);
      patch(b, F, 'firstIno', 0);
      for (const k of ['featureCompat', 'featureIncompat', 'featureRoCompat'] as const) patch(b, F, k, 0);
    }, 0, 128);
    expect(inodeSizeOf(sb)).toBe(128);
    expect(firstInoOf(sb)).toBe(11);
  });

  it('decodes label, last mount path, uuid and the u64 kbytes_written', () => {
    const sb = decodeWith((b) => {
      b.set(utf8('my-volume'), 0x78);
      b.set(utf8('/mnt/x'), 0x88);
      b.set([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8], 0x68);
      patch(b, F, 'kbytesWritten', 2n ** 60n + 5n);
    });
    expect(volumeLabel(sb)).toBe('my-volume');
    expect(lastMountedPath(sb)).toBe('/mnt/x');
    expect(formatUuid(sb.uuid)).toBe('12345678-9abc-def0-0102-030405060708');
    expect(sb.kbytesWritten).toBe(2n ** 60n + 5n);
  });

  it('rejects a buffer shorter than 1024 bytes with EINVAL', () => {
    expectFsError(() => decodeSuperblock(new Uint8Array(100)), 'EINVAL', 'superblock');
  });
});

describe('superblock encoding', () => {
  it('round-trips byte-exactly, keeping every uninterpreted byte (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1024, maxLength: 1024 }), fc.constantFrom(0, 1, 2), (noise, log) => {
        const b = superblockBytes(sampleSuperblockValues(log), noise);
        const sb = decodeSuperblock(b);
        expect(encodeSuperblock(sb)).toEqual(b);
      }),
    );
  });

  it('writes only the bytes of the fields that changed', () => {
    const b = superblockBytes();
    b.fill(0xa5, 0x300, 0x3f0); // unknown ext4 territory
    const sb = decodeSuperblock(b);
    const out = encodeSuperblock({ ...sb, freeBlocksCount: 0x3f02, wtime: 1_700_000_000 });
    expect(diffOffsets(b, out).every((o) => (o >= 0x0c && o < 0x10) || (o >= 0x30 && o < 0x34))).toBe(true);
    expect(decodeSuperblock(out)).toMatchObject({ freeBlocksCount: 0x3f02, wtime: 1_700_000_000 });
  });

  it('round-trips random values of the free-form fields (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.record({
          mtime: fc.nat(0xffffffff),
          wtime: fc.nat(0xffffffff),
          mntCount: fc.nat(0xffff),
          maxMntCount: fc.integer({ min: -32768, max: 32767 }),
          state: fc.nat(0xffff),
          errors: fc.nat(0xffff),
          creatorOs: fc.nat(0xffffffff),
          defResuid: fc.nat(0xffff),
          blockGroupNr: fc.nat(0xffff),
          uuid: fc.uint8Array({ minLength: 16, maxLength: 16 }),
          volumeName: fc.uint8Array({ minLength: 16, maxLength: 16 }),
          hashSeed: fc.array(fc.nat(0xffffffff), { minLength: 4, maxLength: 4 }),
          jnlBlocks: fc.array(fc.nat(0xffffffff), { minLength: 17, maxLength: 17 }),
          kbytesWritten: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          checksum: fc.nat(0xffffffff),
        }),
        (values) => {
          const sb = decodeSuperblock(superblockBytes());
          const again = decodeSuperblock(encodeSuperblock({ ...sb, ...values }));
          expect({ ...again, raw: undefined }).toEqual({ ...sb, ...values, raw: undefined });
        },
      ),
    );
  });

  it('refuses to encode a value that does not fit its field (EINVAL)', () => {
    const sb = decodeSuperblock(superblockBytes());
    expectFsError(() => encodeSuperblock({ ...sb, mntCount: 70000 }), 'EINVAL', 's_mnt_count');
    expectFsError(() => encodeSuperblock({ ...sb, uuid: new Uint8Array(3) }), 'EINVAL', 's_uuid');
  });
});

describe('superblock validation: each bad field is EUCLEAN naming it', () => {
  const cases: Array<[string, (b: Uint8Array) => void, number?, number?]> = [
    ['s_magic', (b) => patch(b, F, 'magic', 0x1234)],
    ['s_log_block_size', (b) => patch(b, F, 'logBlockSize', 7)],
    ['s_log_frag_size', (b) => patch(b, F, 'logFragSize', 1)],
    ['s_first_data_block', (b) => patch(b, F, 'firstDataBlock', 0)],
    ['s_first_data_block', (b) => patch(b, F, 'firstDataBlock', 1), 2],
    ['s_rev_level 0', (b) => patch(b, F, 'revLevel', 0), 0, 128],
    ['s_blocks_per_group', (b) => patch(b, F, 'blocksPerGroup', 8188)],
    ['s_blocks_per_group', (b) => patch(b, F, 'blocksPerGroup', 16384)],
    ['s_frags_per_group', (b) => patch(b, F, 'fragsPerGroup', 4096)],
    ['s_inode_size', (b) => patch(b, F, 'inodeSize', 192)],
    ['s_inode_size', (b) => patch(b, F, 'inodeSize', 64)],
    ['s_inode_size', (b) => patch(b, F, 'inodeSize', 2048)],
    ['s_inodes_per_group', (b) => patch(b, F, 'inodesPerGroup', 2)],
    ['s_inodes_per_group', (b) => patch(b, F, 'inodesPerGroup', 8200)],
    ['s_blocks_count', (b) => patch(b, F, 'blocksCount', 1)],
    ['s_inodes_count', (b) => patch(b, F, 'inodesCount', 513)],
    ['s_first_ino', (b) => patch(b, F, 'firstIno', 5)],
    ['s_first_ino', (b) => patch(b, F, 'firstIno', 600)],
    ['s_first_meta_bg', (b) => (patch(b, F, 'featureIncompat', 0x12), patch(b, F, 'firstMetaBg', 2))],
    ['s_free_blocks_count', (b) => patch(b, F, 'freeBlocksCount', 16386)],
    ['s_free_inodes_count', (b) => patch(b, F, 'freeInodesCount', 513)],
    ['s_r_blocks_count', (b) => patch(b, F, 'rBlocksCount', 9000)],
    ['s_reserved_gdt_blocks', (b) => patch(b, F, 'reservedGdtBlocks', 257)],
    ['s_min_extra_isize', (b) => patch(b, F, 'minExtraIsize', 6)],
    ['s_want_extra_isize', (b) => patch(b, F, 'wantExtraIsize', 132)],
  ];
  for (const [field, mutate, log = 0, isz = 256] of cases) {
    it(`rejects a bad ${field}`, () => {
      const b = superblockBytes(sampleSuperblockValues(log, isz));
      mutate(b);
      expectCorrupt(() => decodeSuperblock(b), 'corrupt superblock at byte 1024', field);
    });
  }

  it('names the backup location it was given', () => {
    const b = patch(superblockBytes(), F, 'magic', 0);
    expectCorrupt(() => decodeSuperblock(b, { location: 'block 8193' }), 'superblock at block 8193', 's_magic');
  });

  it('accepts a bigalloc frag size without the block/frag equality rule', () => {
    const sb = decodeWith((b) => {
      patch(b, F, 'featureRoCompat', 0x203);
      patch(b, F, 'logFragSize', 4);
    });
    expect(sb.logFragSize).toBe(4);
  });
});

describe('hasSuperblockBackup (EXT2.md 2.3)', () => {
  const sb = decodeSuperblock(superblockBytes());
  it('places sparse_super backups in groups 0, 1 and powers of 3, 5 and 7', () => {
    const groups = Array.from({ length: 2500 }, (_, g) => g).filter((g) => hasSuperblockBackup(sb, g));
    expect(groups).toEqual([0, 1, 3, 5, 7, 9, 25, 27, 49, 81, 125, 243, 343, 625, 729, 2187, 2401]);
  });
  it('puts a backup in every group without sparse_super', () => {
    const plain = { ...sb, featureRoCompat: 0 };
    expect([0, 2, 4, 6, 10, 100].every((g) => hasSuperblockBackup(plain, g))).toBe(true);
  });
  it('uses s_backup_bgs with sparse_super2', () => {
    const s2 = { ...sb, featureCompat: sb.featureCompat | 0x200, backupBgs: [1, 77] };
    expect([0, 1, 3, 77].map((g) => hasSuperblockBackup(s2, g))).toEqual([true, true, false, true]);
  });
});

describe('mountPolicy (EXT2.md 1.3-1.6)', () => {
  it('allows read-write on a clean mke2fs-style superblock', () => {
    expect(mountPolicy(decodeSuperblock(superblockBytes()))).toEqual({ readOnly: false, reasons: [], warnings: [], checkJournal: false });
  });
  it('forces read-only on ERROR_FS, a pending orphan list and rev > 1; warns when not VALID_FS', () => {
    const sb = decodeSuperblock(superblockBytes());
    const p = mountPolicy({ ...sb, state: 2, lastOrphan: 12, revLevel: 2 });
    expect(p.readOnly).toBe(true);
    expect(p.reasons.join('\n')).toMatch(/s_rev_level 2[\s\S]*ERROR_FS[\s\S]*s_last_orphan 12/);
    expect(p.warnings).toEqual([expect.stringContaining('VALID_FS')]);
  });
  it('asks for a journal check on has_journal and refuses needs_recovery', () => {
    const sb = decodeSuperblock(superblockBytes());
    expect(mountPolicy({ ...sb, featureCompat: 0x3c }).checkJournal).toBe(true);
    expectFsError(() => mountPolicy({ ...sb, featureIncompat: 0x6 }), 'EOPNOTSUPP', 'needs_recovery');
  });
});
