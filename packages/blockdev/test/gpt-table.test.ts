import { describe, expect, it } from 'vitest';
import { CorruptFilesystemError, MemoryBlockDevice } from '@iomap/core';
import { readPartitionTable, type GptPartitionTable } from '../src/index.js';
import { ESP, LINUX_FS, SWAP, buildGptDisk, fixArrayCrc, fixHeaderCrc } from './helpers/gpt-builder.js';
import { RecordingDevice } from './helpers/recording-device.js';

async function readGpt(disk: Uint8Array, logicalBlockSize = 512): Promise<GptPartitionTable> {
  const dev = new RecordingDevice(MemoryBlockDevice.from(disk, { logicalBlockSize }));
  const table = await readPartitionTable(dev);
  expect(dev.outOfRange()).toEqual([]);
  expect(dev.neverWritten).toBe(true);
  if (table.kind !== 'gpt') throw new Error(`expected a GPT, got ${table.kind}`);
  return table;
}

async function corruptError(disk: Uint8Array): Promise<CorruptFilesystemError> {
  const err: unknown = await readPartitionTable(MemoryBlockDevice.from(disk)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CorruptFilesystemError);
  expect((err as CorruptFilesystemError).code).toBe('EUCLEAN');
  return err as CorruptFilesystemError;
}

/** Sets a u64 field of the header at `headerByte` and fixes its CRC, so only the field is wrong. */
function setHeaderU64(disk: Uint8Array, headerByte: number, field: number, value: bigint): void {
  new DataView(disk.buffer).setBigUint64(headerByte + field, value, true);
  fixHeaderCrc(disk, headerByte);
}

describe('readPartitionTable: GPT', () => {
  it('reads names, types, GUIDs and attributes from the primary header', async () => {
    const { disk, layout } = buildGptDisk();
    const table = await readGpt(disk);
    expect(table).toMatchObject({
      kind: 'gpt',
      diskId: '01234567-89AB-CDEF-0123-456789ABCDEF',
      sectorSize: 512,
      header: 'primary',
      headerLba: 1,
      firstUsableLba: layout.firstUsableLba,
      lastUsableLba: layout.lastUsableLba,
      problems: [],
    });
    expect(table.firstUsableLba).toBe(34);
    expect(table.lastUsableLba).toBe(16384 - 34);
    expect(table.partitions).toEqual([
      { scheme: 'gpt', index: 1, start: 1 << 20, size: 2 << 20, type: ESP, guid: '11111111-2222-3333-4444-555555555555', name: 'boot', attributes: 4n, bootable: true },
      { scheme: 'gpt', index: 2, start: 3 << 20, size: 3 << 20, type: LINUX_FS, guid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', name: 'rootfs', attributes: 0n, bootable: false },
      { scheme: 'gpt', index: 4, start: 6 << 20, size: 1 << 20, type: SWAP, guid: 'DEADBEEF-0000-4000-8000-0123456789AB', name: 'données ✓ 𝄞', attributes: 1n << 63n, bootable: false },
    ]);
  });

  it('finds a 4096-byte-sector GPT on a device with 512-byte logical blocks', async () => {
    const { disk } = buildGptDisk(4096);
    const table = await readGpt(disk, 512);
    expect(table.sectorSize).toBe(4096);
    expect(table.firstUsableLba).toBe(6);
    expect(table.partitions.map((p) => [p.index, p.start, p.size])).toEqual([
      [1, 1 << 20, 2 << 20],
      [2, 3 << 20, 3 << 20],
      [4, 6 << 20, 1 << 20],
    ]);
  });

  it('uses the backup header when the primary header CRC is bad', async () => {
    const { disk, layout } = buildGptDisk();
    disk[layout.primaryHeaderByte + 60]! ^= 0xff; // inside DiskGUID
    const table = await readGpt(disk);
    expect(table.header).toBe('backup');
    expect(table.headerLba).toBe(16383);
    expect(table.diskId).toBe('01234567-89AB-CDEF-0123-456789ABCDEF');
    expect(table.partitions.map((p) => p.name)).toEqual(['boot', 'rootfs', 'données ✓ 𝄞']);
    expect(table.problems).toEqual([expect.stringMatching(/^primary GPT header at LBA 1 \(byte 512\): HeaderCRC32 is 0x[0-9a-f]{8} but the header checksums to/)]);
  });

  it('uses the backup header when the primary is wiped, also for 4096-byte sectors', async () => {
    for (const sectorSize of [512, 4096]) {
      const { disk, layout } = buildGptDisk(sectorSize);
      disk.fill(0, layout.primaryHeaderByte, layout.primaryArrayByte + layout.arrayBytes);
      const table = await readGpt(disk);
      expect([table.sectorSize, table.header, table.partitions.length]).toEqual([sectorSize, 'backup', 3]);
      expect(table.problems[0]).toMatch(/no "EFI PART" signature/);
    }
  });

  it('uses the backup when the primary entry-array CRC is bad', async () => {
    const { disk, layout } = buildGptDisk();
    disk[layout.primaryArrayByte + 56]! ^= 1; // first name character
    const table = await readGpt(disk);
    expect(table.header).toBe('backup');
    expect(table.partitions[0]!.name).toBe('boot');
    expect(table.problems[0]).toMatch(/partition entry array of the primary GPT header at LBA 2 \(byte 1024\): PartitionEntryArrayCRC32 is/);
  });

  it('fails with EUCLEAN naming both copies when both headers are bad', async () => {
    const { disk, layout } = buildGptDisk();
    disk[layout.primaryHeaderByte + 60]! ^= 0xff;
    disk[layout.backupHeaderByte + 60]! ^= 0xff;
    const err = await corruptError(disk);
    expect(err.structure).toBe('GPT (primary and backup)');
    expect(err.location).toBe('LBA 1 and LBA 16383');
    expect(err.message).toMatch(/primary GPT header at LBA 1 \(byte 512\): HeaderCRC32 is .*; backup GPT header at LBA 16383 \(byte 8388096\): HeaderCRC32/);
  });

  it('fails with EUCLEAN when both entry arrays fail their CRC', async () => {
    const { disk, layout } = buildGptDisk();
    disk[layout.primaryArrayByte + 40]! ^= 1;
    disk[layout.backupArrayByte + 40]! ^= 1;
    const err = await corruptError(disk);
    expect(err.message).toMatch(/primary GPT header.*PartitionEntryArrayCRC32.*backup GPT header.*PartitionEntryArrayCRC32/);
  });

  it('notes a bad backup while reading the primary', async () => {
    const { disk, layout } = buildGptDisk();
    disk.fill(0, layout.backupHeaderByte, layout.backupHeaderByte + 512);
    const table = await readGpt(disk);
    expect(table.header).toBe('primary');
    expect(table.problems).toEqual(['backup GPT header at LBA 16383 (byte 8388096): no "EFI PART" signature']);
  });

  it('reads a GPT whose protective MBR is missing, noting it', async () => {
    const { disk } = buildGptDisk();
    disk.fill(0, 0, 512);
    const table = await readGpt(disk);
    expect(table.partitions).toHaveLength(3);
    expect(table.problems).toEqual([expect.stringMatching(/protective MBR is missing/)]);
  });

  it('fails with EUCLEAN when a protective MBR has no GPT behind it', async () => {
    const { disk, layout } = buildGptDisk();
    disk.fill(0, layout.primaryHeaderByte, layout.primaryHeaderByte + 512);
    disk.fill(0, layout.backupHeaderByte, layout.backupHeaderByte + 512);
    const err = await corruptError(disk);
    expect(err.message).toMatch(/no "EFI PART" signature.*no "EFI PART" signature/);
  });

  it('fails with EUCLEAN for a partition beyond the device end (CRC-consistent in both copies)', async () => {
    const { disk, layout } = buildGptDisk();
    for (const [arrayByte, headerByte] of [
      [layout.primaryArrayByte, layout.primaryHeaderByte],
      [layout.backupArrayByte, layout.backupHeaderByte],
    ] as const) {
      new DataView(disk.buffer).setBigUint64(arrayByte + 128 + 40, 20000n, true); // entry 2 EndingLBA
      fixArrayCrc(disk, headerByte, arrayByte, layout.arrayBytes);
    }
    const err = await corruptError(disk);
    expect(err.message).toMatch(/GPT partition entry 2 at byte 1152: LBAs 6144-20000 do not lie within the usable LBAs 34-16350/);
  });

  it('fails with EUCLEAN for overlapping partitions', async () => {
    const { disk, layout } = buildGptDisk();
    for (const [arrayByte, headerByte] of [
      [layout.primaryArrayByte, layout.primaryHeaderByte],
      [layout.backupArrayByte, layout.backupHeaderByte],
    ] as const) {
      new DataView(disk.buffer).setBigUint64(arrayByte + 40, 7000n, true); // entry 1 ends inside entry 2
      fixArrayCrc(disk, headerByte, arrayByte, layout.arrayBytes);
    }
    const err = await corruptError(disk);
    expect(err.message).toMatch(/partition 2 \(bytes 3145728-6291455\) overlaps partition 1/);
  });

  it.each([
    ['LastUsableLBA past the device', 48, 1n << 40n, /usable LBAs 34-1099511627776 do not lie within LBAs 1-16383/],
    ['MyLBA wrong', 24, 2n, /MyLBA is 2, not 1/],
    ['entry array on top of the usable LBAs', 72, 40n, /overlaps the header or the usable LBAs/],
    ['entry array past the device', 72, (1n << 64n) - 1n, /entry array at LBA 18446744073709551615/],
  ])('falls back to the backup when the primary header has %s', async (_what, field, value, problem) => {
    const { disk, layout } = buildGptDisk();
    setHeaderU64(disk, layout.primaryHeaderByte, field, value);
    const table = await readGpt(disk);
    expect(table.header).toBe('backup');
    expect(table.problems[0]).toMatch(problem);
  });

  it('rejects a huge or odd entry array without reading it', async () => {
    const { disk, layout } = buildGptDisk();
    const view = new DataView(disk.buffer);
    view.setUint32(layout.primaryHeaderByte + 80, 0xffffffff, true);
    fixHeaderCrc(disk, layout.primaryHeaderByte);
    view.setUint32(layout.backupHeaderByte + 84, 100, true);
    fixHeaderCrc(disk, layout.backupHeaderByte);
    const dev = new RecordingDevice(MemoryBlockDevice.from(disk));
    const err: unknown = await readPartitionTable(dev).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EUCLEAN' });
    expect((err as Error).message).toMatch(/larger than 4194304 bytes.*SizeOfPartitionEntry 100 is not 128/);
    expect(Math.max(...dev.accesses.map((a) => a.length))).toBeLessThanOrEqual(512);
  });

  it('tries the primary AlternateLBA when the last LBA holds no backup (a grown image)', async () => {
    const { disk, layout } = buildGptDisk();
    const grown = new Uint8Array(disk.length + (1 << 20));
    grown.set(disk);
    // Primary readable but its array is bad: the backup sits where AlternateLBA says, not at the new end.
    grown[layout.primaryArrayByte + 56]! ^= 1;
    const table = await readGpt(grown);
    expect([table.header, table.headerLba]).toEqual(['backup', 16383]);
  });
});
