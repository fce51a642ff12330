// mkfs on a MemoryBlockDevice, checked with our own decoders and mount():
// layout facts e2fsprogs 1.47 produces (EXT2.md 2.1-2.5, 3.9, 4.4, 7),
// determinism, the device request pattern, and every refused request.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FsError, MemoryBlockDevice } from '@iomap/core';
import { PassThroughDevice } from '@iomap/testkit';
import { mkfs, mount, type MkfsOptions } from '../../src/index.js';
import { readFields, viewOf } from '../../src/format/fields.js';
import { geometryOf, groupDescriptorLocation, inodeTableSlot } from '../../src/format/geometry.js';
import { decodeGroupDescriptor, BG_FLAGS } from '../../src/format/group-descriptor.js';
import { decodeInode, DIND_BLOCK } from '../../src/format/inode.js';
import { readDirBlock } from '../../src/format/dir-entry.js';
import { decodeSuperblock, SUPERBLOCK_FIELDS, FS_STATE, hasSuperblockBackup, type Superblock } from '../../src/format/superblock.js';
import { backupGroupsInOrder } from '../../src/mkfs/resize-inode.js';
import { lostAndFoundBlocks } from '../../src/mkfs/initial-tree.js';

const KIB = 1024;
const MIB = 1024 * 1024;
const FIXED: MkfsOptions = { uuid: '11111111-2222-3333-4444-555555555555', hashSeed: '66666666-7777-8888-9999-aaaaaaaaaaaa', timestamp: 1_700_000_000 };

async function made(size: number, options: MkfsOptions = {}): Promise<MemoryBlockDevice> {
  const device = new MemoryBlockDevice({ size });
  await mkfs(device, { ...FIXED, ...options });
  return device;
}

function superblockOf(device: MemoryBlockDevice): Superblock {
  return decodeSuperblock(device.bytes.subarray(1024, 2048));
}

function block(device: MemoryBlockDevice, sb: Superblock, n: number): Uint8Array {
  const bs = 1024 << sb.logBlockSize;
  return device.bytes.subarray(n * bs, (n + 1) * bs);
}

function descriptor(device: MemoryBlockDevice, sb: Superblock, group: number) {
  const g = geometryOf(sb);
  const { block: at, offset } = groupDescriptorLocation(g, group);
  return decodeGroupDescriptor(block(device, sb, at), g, group, offset);
}

function inode(device: MemoryBlockDevice, sb: Superblock, ino: number) {
  const g = geometryOf(sb);
  const group = Math.floor((ino - 1) / g.inodesPerGroup);
  const slot = inodeTableSlot(g, descriptor(device, sb, group).inodeTable, (ino - 1) % g.inodesPerGroup);
  return decodeInode(block(device, sb, slot.block).subarray(slot.offset), { ino, inodeSize: g.inodeSize, blockSize: g.blockSize });
}

const bitSet = (bitmap: Uint8Array, bit: number): boolean => ((bitmap[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0;

/** Counts device requests and records their order. */
class CountingDevice extends PassThroughDevice<MemoryBlockDevice> {
  readonly log: string[] = [];
  override write(pos: number, data: Uint8Array): Promise<void> {
    this.log.push(`write ${pos} ${data.length}`);
    return super.write(pos, data);
  }
  override writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    this.log.push(`write ${pos} ${buffers.reduce((n, b) => n + b.length, 0)}`);
    return super.writev(pos, buffers);
  }
  override flush(): Promise<void> {
    this.log.push('flush');
    return super.flush();
  }
  override discard = (pos: number, length: number): Promise<void> => {
    this.log.push(`discard ${pos} ${length}`);
    return this.inner.discard(pos, length);
  };
}

describe('mkfs layout matches mke2fs -t ext2 (EXT2.md 2.1-2.4, 7)', () => {
  it('8 MiB: 1 KiB blocks, 2048 inodes, 31 reserved GDT blocks, 548 overhead, exact free counts', async () => {
    const device = new MemoryBlockDevice({ size: 8 * MIB });
    const r = await mkfs(device, FIXED);
    expect(r).toMatchObject({
      blockSize: 1024,
      blocksCount: 8192,
      groupCount: 1,
      inodesCount: 2048,
      inodeSize: 256,
      reservedGdtBlocks: 31,
      reservedBlocks: 409,
      freeBlocks: 7630,
      freeInodes: 2037,
      overheadBlocks: 548,
      unusedBlocks: 0,
      features: ['ext_attr', 'resize_inode', 'dir_index', 'filetype', 'sparse_super', 'large_file'],
    });
    const sb = superblockOf(device);
    expect(sb).toMatchObject({ freeBlocksCount: 7630, freeInodesCount: 2037, overheadClusters: 548, state: FS_STATE.VALID_FS, revLevel: 1 });
  });

  it('60000 1 KiB blocks: 8 groups, group 0 at sb 1, GDT 2, reserved 3-236, bitmaps 237/238, itable 239, root 707, lost+found 708-719, resize DIND 720 (EXT2.md 2.3)', async () => {
    const device = await made(60000 * KIB, { blockSize: 1024 });
    const sb = superblockOf(device);
    expect(sb).toMatchObject({ blocksCount: 60000, reservedGdtBlocks: 234, inodeSize: 256 });
    expect(geometryOf(sb).groupCount).toBe(8);
    expect(descriptor(device, sb, 0)).toMatchObject({ blockBitmap: 237, inodeBitmap: 238, inodeTable: 239, usedDirsCount: 2, flags: BG_FLAGS.INODE_ZEROED });
    expect(inode(device, sb, 2).block[0]).toBe(707);
    expect(inode(device, sb, 11).block.slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => 708 + i));
    expect(inode(device, sb, 7).block[DIND_BLOCK]).toBe(720);
    // m1k group 7 is 57345..59999 (2655 blocks): its block bitmap pads bits 2655..8191.
    const last = block(device, sb, descriptor(device, sb, 7).blockBitmap);
    expect(bitSet(last, 2654)).toBe(false);
    for (const bit of [2655, 4000, 8191]) expect(bitSet(last, bit)).toBe(true);
  });

  it('drops a last group shorter than its metadata + 50 blocks: 16685 requested -> 16385 made (EXT2.md 2.1)', async () => {
    const r = await mkfs(new MemoryBlockDevice({ size: 16685 * KIB }), { ...FIXED, blockSize: 1024, size: 16685 * KIB });
    expect(r.blocksCount).toBe(16385);
    expect(r.unusedBlocks).toBe(300);
    expect(r.groupCount).toBe(2);
    // r_blocks keeps its ratio to the new size, like ext2fs_initialize: 5% of 16685 -> 819 of 16385.
    expect(r.reservedBlocks).toBe(819);
  });

  it('puts sparse backups in groups 1, 3, 5, 7, 9, 25, 27 of a 300 MiB 1 KiB filesystem (EXT2.md 2.3)', async () => {
    const r = await mkfs(new MemoryBlockDevice({ size: 300 * MIB }), { ...FIXED, blockSize: 1024 });
    expect(r.backupSuperblocks).toEqual([8193, 24577, 40961, 57345, 73729, 204801, 221185]);
  });

  it('reserves 18 GDT blocks for a 300 MiB 4 KiB filesystem (EXT2.md 2.4)', async () => {
    const r = await mkfs(new MemoryBlockDevice({ size: 300 * MIB }), { ...FIXED, blockSize: 4096 });
    expect(r.reservedGdtBlocks).toBe(18);
  });

  it('picks 4 KiB blocks and 16 KiB per inode from 512 MiB up, 1 KiB and 4 KiB per inode below (mke2fs.conf small type)', async () => {
    const small = await mkfs(new MemoryBlockDevice({ size: 511 * MIB }), { ...FIXED, discard: false });
    expect(small.blockSize).toBe(1024);
    // (511 MiB / 4096) inodes asked for; ipg is rounded down to a multiple of 8 per group.
    expect((511 * MIB) / 4096 - small.inodesCount).toBeGreaterThanOrEqual(0);
    expect((511 * MIB) / 4096 - small.inodesCount).toBeLessThan(small.groupCount * 8);
    const big = await mkfs(new MemoryBlockDevice({ size: 512 * MIB }), { ...FIXED, discard: false });
    expect(big.blockSize).toBe(4096);
    expect(big.inodesCount).toBe((512 * MIB) / 16384);
  });

  it('rounds the device down to 4 KiB like mke2fs, unless size is given', async () => {
    expect((await mkfs(new MemoryBlockDevice({ size: 20003 * KIB }), FIXED)).blocksCount).toBe(20000);
    expect((await mkfs(new MemoryBlockDevice({ size: 20003 * KIB }), { ...FIXED, size: 20003 * KIB })).blocksCount).toBe(20003);
  });

  it('gives /lost+found 12 KiB with 1 KiB blocks and 16 KiB otherwise, at least 2 blocks (EXT2.md 3.9)', () => {
    expect(lostAndFoundBlocks(1024)).toBe(12);
    expect(lostAndFoundBlocks(2048)).toBe(8);
    expect(lostAndFoundBlocks(4096)).toBe(4);
  });

  it('lists backup groups in e2fsprogs order 1, 3, 5, 7, 9, 25, 27, 49, 81 (sparse) or every group', () => {
    expect(backupGroupsInOrder(100, true)).toEqual([1, 3, 5, 7, 9, 25, 27, 49, 81]);
    expect(backupGroupsInOrder(4, false)).toEqual([1, 2, 3]);
  });
});

describe('mkfs on-disk records (EXT2.md 1.2, 1.5, 2.4, 2.5, 3.9, 4.4)', () => {
  it('writes the superblock fields mke2fs writes', async () => {
    const device = await made(20000 * KIB, { label: 'scratch', errors: 'remount-ro' });
    const sb = superblockOf(device);
    expect(sb).toMatchObject({
      firstIno: 11,
      creatorOs: 0,
      defHashVersion: 1,
      defaultMountOpts: 0x0c,
      flags: 1,
      maxMntCount: -1,
      checkInterval: 0,
      mtime: 0,
      wtime: 1_700_000_000,
      mkfsTime: 1_700_000_000,
      lastCheck: 1_700_000_000,
      minExtraIsize: 32,
      wantExtraIsize: 32,
      errors: 2,
      featureCompat: 0x38,
      featureIncompat: 0x2,
      featureRoCompat: 0x3,
    });
    expect(Buffer.from(sb.uuid).toString('hex')).toBe('11111111222233334444555555555555');
    expect(Buffer.from(sb.volumeName).toString('latin1').replace(/\0+$/, '')).toBe('scratch');
    expect(sb.hashSeed[0]).toBe(0x66666666);
    expect(sb.hashSeed[1]).toBe(0x88887777);
  });

  it('writes backup superblocks with s_block_group_nr = group and VALID_FS cleared, and backup GDTs equal to the primary (EXT2.md 1.5)', async () => {
    const device = await made(64 * MIB, { blockSize: 1024, blocksPerGroup: 1024 });
    const sb = superblockOf(device);
    const g = geometryOf(sb);
    for (let group = 1; group < g.groupCount; group++) {
      if (!hasSuperblockBackup(sb, group)) continue;
      const first = 1 + group * g.blocksPerGroup;
      const copy = block(device, sb, first);
      const fields = readFields(SUPERBLOCK_FIELDS, copy);
      expect(fields.blockGroupNr).toBe(group);
      expect(fields.state).toBe(0);
      expect(copy.subarray(0, 1024).filter((b, i) => b !== sb.raw[i]).length).toBeLessThanOrEqual(2);
      expect(Buffer.compare(block(device, sb, first + 1), block(device, sb, 2))).toBe(0);
    }
  });

  it('builds a resize inode e2fsck accepts: DIND slots name the primary reserved blocks, which list their backups (EXT2.md 2.4)', async () => {
    const device = await made(20000 * KIB, { blockSize: 1024 });
    const sb = superblockOf(device);
    const g = geometryOf(sb);
    const resize = inode(device, sb, 7);
    expect(resize).toMatchObject({ mode: 0o100600, linksCount: 1, size: (256 * 256 + 256 + 12) * 1024, extraIsize: 32 });
    expect(resize.block.filter((b, i) => i !== DIND_BLOCK && b !== 0)).toEqual([]);
    const dind = viewOf(block(device, sb, resize.block[DIND_BLOCK] as number));
    for (let k = 0; k < sb.reservedGdtBlocks; k++) {
      const primary = 2 + g.descriptorBlocks + k;
      expect(dind.getUint32(((g.descriptorBlocks + k) % 256) * 4, true)).toBe(primary);
      const list = viewOf(block(device, sb, primary));
      expect(list.getUint32(0, true)).toBe(primary + 8192); // group 1 only: there is no group 3
      expect(list.getUint32(4, true)).toBe(0);
    }
    expect(resize.blocks).toBe((1 + sb.reservedGdtBlocks * 2) * 2);
  });

  it('sets large_file for the resize inode of a 4 KiB filesystem even when asked for ^large_file (ext2fs_inode_size_set)', async () => {
    const device = await made(64 * MIB, { blockSize: 4096, features: '^large_file' });
    expect(superblockOf(device).featureRoCompat & 0x2).toBe(2);
    const device2 = await made(64 * MIB, { blockSize: 2048, features: '^large_file' });
    expect(superblockOf(device2).featureRoCompat & 0x2).toBe(0);
  });

  it('marks inodes 1-11 used, pads every inode bitmap from s_inodes_per_group and counts 2 directories in group 0 (EXT2.md 2.5)', async () => {
    const device = await made(20000 * KIB, { blockSize: 1024, inodeSize: 128 });
    const sb = superblockOf(device);
    for (let group = 0; group < 3; group++) {
      const d = descriptor(device, sb, group);
      const bitmap = block(device, sb, d.inodeBitmap);
      expect(bitSet(bitmap, sb.inodesPerGroup - 1)).toBe(false);
      expect(bitSet(bitmap, sb.inodesPerGroup)).toBe(true);
      expect(bitSet(bitmap, 8191)).toBe(true);
      if (group === 0) {
        for (let bit = 0; bit < 11; bit++) expect(bitSet(bitmap, bit)).toBe(true);
        expect(bitSet(bitmap, 11)).toBe(false);
        expect(d).toMatchObject({ usedDirsCount: 2, freeInodesCount: sb.inodesPerGroup - 11 });
      } else {
        expect(d).toMatchObject({ usedDirsCount: 0, freeInodesCount: sb.inodesPerGroup });
      }
    }
  });

  it('makes root 0755 with links 3 and lost+found 0700 with links 2, "." / ".." first, owned as asked (EXT2.md 4.4)', async () => {
    const device = await made(8 * MIB, { rootOwner: { uid: 1000, gid: 70000 } });
    const sb = superblockOf(device);
    const root = inode(device, sb, 2);
    expect(root).toMatchObject({ mode: 0o40755, linksCount: 3, uid: 1000, gid: 70000, size: 1024, blocks: 2, crtime: 1_700_000_000, extraIsize: 32 });
    const lf = inode(device, sb, 11);
    expect(lf).toMatchObject({ mode: 0o40700, linksCount: 2, uid: 0, gid: 0, size: 12 * 1024, blocks: 24 });
    const entries = readDirBlock(block(device, sb, root.block[0] as number), { filetype: true, inodesCount: sb.inodesCount, dirIno: 2 });
    expect(entries.map((e) => [Buffer.from(e.name).toString(), e.inode, e.fileType])).toEqual([
      ['.', 2, 2],
      ['..', 2, 2],
      ['lost+found', 11, 2],
    ]);
    const bad = inode(device, sb, 1);
    expect(bad).toMatchObject({ mode: 0, linksCount: 0, atime: 1_700_000_000, extraIsize: 0 });
  });

  it('writes dirents without file types when filetype is off', async () => {
    const device = await made(8 * MIB, { features: '^filetype' });
    const sb = superblockOf(device);
    const entries = readDirBlock(block(device, sb, inode(device, sb, 2).block[0] as number), { filetype: false, inodesCount: sb.inodesCount, dirIno: 2 });
    expect(entries.map((e) => e.fileType)).toEqual([0, 0, 0]);
    expect(sb.featureIncompat).toBe(0);
  });
});

describe('mkfs results', () => {
  it('mounts with our own read-only mount(): root lists lost+found', async () => {
    const device = await made(16 * MIB, { label: 'mine', rootOwner: { uid: 7, gid: 8 } });
    const fs = await mount(device, { readOnly: true });
    try {
      expect(await fs.promises.readdir('/')).toEqual(['lost+found']);
      const st = await fs.promises.stat('/');
      expect([st.uid, st.gid, st.nlink]).toEqual([7, 8, 3]);
      expect((await fs.promises.stat('/lost+found')).mode).toBe(0o40700);
      expect(fs.info).toMatchObject({ label: 'mine', uuid: '11111111-2222-3333-4444-555555555555', readOnlyReasons: [] });
    } finally {
      await fs.unmount();
    }
  });

  it('is deterministic: the same options give the same bytes; another uuid changes them', async () => {
    const hash = (d: MemoryBlockDevice) => createHash('sha256').update(d.bytes).digest('hex');
    const a = hash(await made(24 * MIB, { blockSize: 2048 }));
    expect(hash(await made(24 * MIB, { blockSize: 2048 }))).toBe(a);
    expect(hash(await made(24 * MIB, { blockSize: 2048, uuid: '11111111-2222-3333-4444-555555555556' }))).not.toBe(a);
  });

  it('draws a random version-4 uuid and hash seed when none is given', async () => {
    const a = await mkfs(new MemoryBlockDevice({ size: 4 * MIB }), { timestamp: 1 });
    const b = await mkfs(new MemoryBlockDevice({ size: 4 * MIB }), { timestamp: 1 });
    expect(a.uuid).not.toBe(b.uuid);
    expect(a.hashSeed).not.toBe(a.uuid);
    expect(a.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('takes the random bytes of uuid and hash seed from randomFill when given (version-4 bits set on them)', async () => {
    let calls = 0;
    const randomFill = (bytes: Uint8Array): void => {
      calls++;
      bytes.fill(calls === 1 ? 0xff : 0x00);
    };
    const r = await mkfs(new MemoryBlockDevice({ size: 4 * MIB }), { timestamp: 1, randomFill });
    expect(calls).toBe(2);
    expect(r.uuid).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(r.hashSeed).toBe('00000000-0000-4000-8000-000000000000');
    // 'random' spelled out uses it too; a given uuid does not.
    calls = 0;
    const s = await mkfs(new MemoryBlockDevice({ size: 4 * MIB }), { timestamp: 1, uuid: 'random', hashSeed: '11111111-2222-3333-4444-555555555555', randomFill });
    expect(calls).toBe(1);
    expect(s.uuid).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });

  it('writes in a few large requests per group, flushes, and writes the primary superblock last', async () => {
    const device = new CountingDevice(new MemoryBlockDevice({ size: 256 * MIB }));
    const r = await mkfs(device, { ...FIXED, blockSize: 1024, discard: true });
    const writes = device.log.filter((l) => l.startsWith('write'));
    expect(r.groupCount).toBe(32);
    expect(writes.length).toBeLessThanOrEqual(r.groupCount * 2 + 4);
    expect(device.log[0]).toBe(`discard 0 ${256 * MIB}`);
    expect(device.log.slice(-3)).toEqual(['flush', 'write 0 2048', 'flush']);
  });

  it('without discard wipes the old superblock before anything else and still ends clean', async () => {
    const inner = new MemoryBlockDevice({ size: 8 * MIB });
    inner.bytes.fill(0xa5);
    const device = new CountingDevice(inner);
    await mkfs(device, { ...FIXED, discard: false });
    expect(device.log[0]).toBe('write 1024 1024');
    const fs = await mount(inner, { readOnly: true });
    await fs.unmount();
    expect(inner.bytes.subarray(0, 1024).every((b) => b === 0)).toBe(true);
  });

  it('reads the inode tables back and writes no zeros where the device already reads as zero (images stay sparse)', async () => {
    const device = new CountingDevice(new MemoryBlockDevice({ size: 64 * MIB }));
    await mkfs(device, { ...FIXED, blockSize: 4096 });
    const bytes = device.log.filter((l) => l.startsWith('write')).reduce((n, l) => n + Number(l.split(' ')[2]), 0);
    expect(bytes).toBeLessThan(256 * 1024);
  });

  it('after a discard that does not zero, still zeroes every inode table', async () => {
    const inner = new MemoryBlockDevice({ size: 20000 * KIB });
    inner.bytes.fill(0xee);
    const device = new CountingDevice(inner);
    device.discard = async (pos: number, length: number) => {
      device.log.push(`discard ${pos} ${length} (ignored)`);
    };
    await mkfs(device, { ...FIXED, blockSize: 1024, discard: true });
    expect(device.log[0]).toMatch(/ignored/);
    const sb = superblockOf(inner);
    for (let group = 0; group < 3; group++) {
      const table = descriptor(inner, sb, group).inodeTable;
      const bytes = inner.bytes.subarray((table + (group === 0 ? 3 : 0)) * 1024, (table + 416) * 1024);
      expect(bytes.every((b) => b === 0)).toBe(true);
    }
    const fs = await mount(inner, { readOnly: true });
    expect(await fs.promises.readdir('/lost+found')).toEqual([]);
    await fs.unmount();
  });

  it('with assumeZeroed writes no zero runs: only metadata with content', async () => {
    const device = new CountingDevice(new MemoryBlockDevice({ size: 64 * MIB }));
    await mkfs(device, { ...FIXED, blockSize: 4096, assumeZeroed: true });
    const bytes = device.log.filter((l) => l.startsWith('write')).reduce((n, l) => n + Number(l.split(' ')[2]), 0);
    expect(device.log.some((l) => l.startsWith('discard'))).toBe(false);
    expect(bytes).toBeLessThan(256 * 1024);
  });
});

describe('mkfs refuses impossible requests with EINVAL before writing', () => {
  const cases: [string, number, MkfsOptions, RegExp][] = [
    ['a block size other than 1, 2 or 4 KiB', 8 * MIB, { blockSize: 8192 }, /blockSize 8192 is not supported/],
    ['an inode size other than 128 or 256', 8 * MIB, { inodeSize: 512 }, /inodeSize 512/],
    ['a device too small for one group', 16 * KIB, {}, /too few for a filesystem; use a larger device/],
    ['a device too small for inode 11 (lost+found)', 64 * KIB, {}, /inodes 1-10 are reserved/],
    ['more inodes than the space holds', 8 * MIB, { inodeCount: 40000 }, /do not fit/],
    // mke2fs: "Cannot create filesystem with requested number of inodes".
    ['more inodes than groups of at least 256 blocks can hold', 8 * MIB, { inodeCount: 65000, inodeSize: 128, features: '^resize_inode' }, /inodes|leaves no room/],
    ['both inodeCount and bytesPerInode', 8 * MIB, { inodeCount: 100, bytesPerInode: 8192 }, /not both/],
    ['bytesPerInode below 1024', 8 * MIB, { bytesPerInode: 512 }, /bytesPerInode/],
    ['a reserved percentage above 50', 8 * MIB, { reservedPercent: 51 }, /reservedPercent/],
    ['a label over 16 bytes', 8 * MIB, { label: 'a-label-of-17-byt' }, /at most 16 bytes/],
    ['a malformed uuid', 8 * MIB, { uuid: 'not-a-uuid' }, /is not a UUID/],
    ['a hash seed of the wrong length', 8 * MIB, { hashSeed: new Uint8Array(8) }, /16 bytes/],
    ['an unknown feature', 8 * MIB, { features: 'frobnicate' }, /unknown feature/],
    ['a feature mkfs cannot create', 8 * MIB, { features: ['has_journal'] }, /cannot be created/],
    ['resize_inode without sparse_super', 8 * MIB, { features: '^sparse_super' }, /needs sparse_super/],
    ['blocksPerGroup not a multiple of 8', 8 * MIB, { blocksPerGroup: 1001 }, /multiple of 8/],
    ['blocksPerGroup beyond 8 x blockSize', 8 * MIB, { blocksPerGroup: 16384, blockSize: 1024 }, /blocksPerGroup/],
    ['a GDT that would fill 3/4 of a small group (mke2fs would switch to meta_bg)', 2 * MIB, { blocksPerGroup: 256 }, /3\/4/],
    ['a size beyond the device', 8 * MIB, { size: 9 * MIB }, /exceeds the device/],
    ['a negative timestamp', 8 * MIB, { timestamp: -1 }, /timestamp/],
    ['a root owner beyond 32 bits', 8 * MIB, { rootOwner: { uid: 2 ** 32, gid: 0 } }, /rootOwner.uid/],
    ['an unknown errors behaviour', 8 * MIB, { errors: 'explode' as MkfsOptions['errors'] }, /errors/],
  ];
  for (const [what, size, options, message] of cases) {
    it(`refuses ${what}`, async () => {
      const device = new CountingDevice(new MemoryBlockDevice({ size }));
      const err = await mkfs(device, { ...FIXED, ...options }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FsError);
      expect((err as FsError).code).toBe('EINVAL');
      expect((err as FsError).message).toMatch(message);
      expect(device.log).toEqual([]);
    });
  }

  it('refuses a read-only device with EROFS', async () => {
    const err = await mkfs(new MemoryBlockDevice({ size: 8 * MIB, readOnly: true })).catch((e: unknown) => e);
    expect((err as FsError).code).toBe('EROFS');
  });
});
