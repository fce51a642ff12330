import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import {
  GPT_PARTITION_TYPES,
  MBR_PARTITION_TYPES,
  SliceDevice,
  findPartition,
  openPartition,
  readPartitionTable,
} from '../src/index.js';
import { buildGptDisk } from './helpers/gpt-builder.js';
import { buildMbrDisk } from './helpers/mbr-builder.js';

describe('openPartition', () => {
  it('opens GPT partitions by number, name, label and type GUID (any case)', async () => {
    const disk = MemoryBlockDevice.from(buildGptDisk().disk);
    const byNumber = await openPartition(disk, 2);
    expect(byNumber).toBeInstanceOf(SliceDevice);
    expect([byNumber.offset, byNumber.size]).toEqual([3 << 20, 3 << 20]);
    expect((await openPartition(disk, { name: 'boot' })).offset).toBe(1 << 20);
    expect((await openPartition(disk, { label: 'données ✓ 𝄞' })).offset).toBe(6 << 20);
    expect((await openPartition(disk, { type: GPT_PARTITION_TYPES.linuxFilesystem.toLowerCase() })).offset).toBe(3 << 20);
    expect((await openPartition(disk, { type: GPT_PARTITION_TYPES.efiSystem })).size).toBe(2 << 20);
  });

  it('opens MBR partitions by number (logical from 5) and by type byte, lowest number first', async () => {
    const disk = MemoryBlockDevice.from(buildMbrDisk());
    expect((await openPartition(disk, 5)).offset).toBe(6144 * 512);
    expect((await openPartition(disk, 7)).size).toBe(1023 * 512);
    expect((await openPartition(disk, { type: MBR_PARTITION_TYPES.linux })).offset).toBe(12288 * 512);
    expect((await openPartition(disk, { type: 0x82 })).offset).toBe(10240 * 512);
  });

  it('writes through the slice land inside the partition only', async () => {
    const disk = MemoryBlockDevice.from(buildMbrDisk());
    const part = await openPartition(disk, 6);
    await part.write(0, new Uint8Array(part.size).fill(0xab));
    await expect(part.write(part.size, new Uint8Array(1))).rejects.toMatchObject({ code: 'EIO' });
    expect(disk.bytes[10240 * 512 - 1]).toBe(0);
    expect(disk.bytes[10240 * 512]).toBe(0xab);
    expect(disk.bytes[11264 * 512 - 1]).toBe(0xab);
    expect(disk.bytes[11264 * 512 + 510]).toBe(0x55); // the next EBR is intact
  });

  it('opens read-only on request', async () => {
    const part = await openPartition(MemoryBlockDevice.from(buildGptDisk().disk), 1, { readOnly: true });
    await expect(part.write(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'EROFS' });
  });

  it('says which partitions exist when the number is missing (ENXIO)', async () => {
    const disk = MemoryBlockDevice.from(buildGptDisk().disk);
    await expect(openPartition(disk, 3)).rejects.toMatchObject({
      code: 'ENXIO',
      errno: -6,
      message: expect.stringMatching(/no partition 3 on this GPT disk; it has partitions 1 \("boot", type C12A7328.*\), 2 .*4 /),
    });
    await expect(openPartition(MemoryBlockDevice.from(buildMbrDisk()), 4)).rejects.toMatchObject({
      code: 'ENXIO',
      message: expect.stringMatching(/1 \(type 0x0c\), 2 \(type 0x05\)/),
    });
  });

  it('says no partition has that name or type (ENOENT), with a hint for MBR names', async () => {
    const gpt = MemoryBlockDevice.from(buildGptDisk().disk);
    await expect(openPartition(gpt, { name: 'Boot' })).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(openPartition(gpt, { type: 0x83 })).rejects.toMatchObject({ code: 'ENOENT' });
    const mbr = MemoryBlockDevice.from(buildMbrDisk());
    await expect(openPartition(mbr, { label: 'rootfs' })).rejects.toMatchObject({
      code: 'ENOENT',
      message: expect.stringMatching(/MBR partitions have no names: select by number or type/),
    });
    await expect(openPartition(mbr, { type: GPT_PARTITION_TYPES.linuxFilesystem })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a selector that is not a number or selector object (EINVAL)', async () => {
    const table = await readPartitionTable(MemoryBlockDevice.from(buildMbrDisk()));
    expect(() => findPartition(table, null as unknown as number)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => findPartition(table, { type: 'linux' })).toThrow(/MBR type byte or a GPT type GUID, got "linux"/);
  });

  it('says an unpartitioned device has no partition table (ENXIO)', async () => {
    await expect(openPartition(new MemoryBlockDevice({ size: 1 << 20 }), 1)).rejects.toMatchObject({ code: 'ENXIO' });
  });
});
