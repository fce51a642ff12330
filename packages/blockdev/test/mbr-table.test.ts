import { describe, expect, it } from 'vitest';
import { CorruptFilesystemError, MemoryBlockDevice } from '@iomap/core';
import { readPartitionTable, type MbrPartition } from '../src/index.js';
import { MAX_EBR_CHAIN } from '../src/mbr-table.js';
import { buildMbrDisk, writeEbrChain, writeMbrRecord } from './helpers/mbr-builder.js';

const summary = (p: MbrPartition) => [p.index, p.role, p.type, p.start / 512, p.size / 512, p.bootable];

async function expectCorrupt(disk: Uint8Array, structure: RegExp, detail: RegExp): Promise<void> {
  const err = await readPartitionTable(MemoryBlockDevice.from(disk)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CorruptFilesystemError);
  const c = err as CorruptFilesystemError;
  expect(c.code).toBe('EUCLEAN');
  expect(c.errno).toBe(-117);
  expect(c.structure).toMatch(structure);
  expect(c.message).toMatch(detail);
}

describe('readPartitionTable: MBR', () => {
  it('reads primaries, the extended container and logical partitions numbered from 5', async () => {
    const table = await readPartitionTable(MemoryBlockDevice.from(buildMbrDisk()));
    expect(table.kind).toBe('mbr');
    if (table.kind !== 'mbr') return;
    expect(table.diskId).toBe('0x1234abcd');
    expect(table.sectorSize).toBe(512);
    expect(table.partitions.map(summary)).toEqual([
      [1, 'primary', 0x0c, 2048, 2048, true],
      [2, 'extended', 0x05, 4096, 8192, false],
      [3, 'primary', 0x83, 12288, 4096, false],
      [5, 'logical', 0x83, 6144, 2048, false],
      [6, 'logical', 0x82, 10240, 1024, false],
      [7, 'logical', 0x83, 11265, 1023, false],
    ]);
    expect(table.partitions.map((p) => p.entryOffset)).toEqual([446, 462, 478, 4096 * 512 + 446, 8192 * 512 + 446, 11264 * 512 + 446]);
  });

  it('numbers logical partitions from 5 even with one primary', async () => {
    const disk = new Uint8Array(4096 * 512);
    writeMbrRecord(disk, 0, [undefined, undefined, undefined, { type: 0x0f, startLba: 100, sectorCount: 1000 }]);
    writeEbrChain(disk, 512, 100, [{ ebrLba: 100, startLba: 101, sectorCount: 99, type: 0x83 }]);
    const table = await readPartitionTable(MemoryBlockDevice.from(disk));
    expect(table.partitions.map((p) => p.index)).toEqual([4, 5]);
  });

  it('treats an extended partition whose first EBR is blank as holding no logical partitions', async () => {
    const disk = new Uint8Array(4096 * 512);
    writeMbrRecord(disk, 0, [{ type: 0x83, startLba: 1, sectorCount: 99 }, { type: 0x05, startLba: 100, sectorCount: 1000 }]);
    const table = await readPartitionTable(MemoryBlockDevice.from(disk));
    expect(table.partitions.map((p) => p.index)).toEqual([1, 2]);
  });

  it('uses the device logical block size as the MBR sector size', async () => {
    const disk = new Uint8Array(1024 * 4096);
    writeMbrRecord(disk, 0, [{ type: 0x83, startLba: 256, sectorCount: 512 }]);
    const table = await readPartitionTable(MemoryBlockDevice.from(disk, { logicalBlockSize: 4096 }));
    expect(table.sectorSize).toBe(4096);
    expect([table.partitions[0]!.start, table.partitions[0]!.size]).toEqual([256 * 4096, 512 * 4096]);
    const asked = await readPartitionTable(MemoryBlockDevice.from(disk), { sectorSize: 4096 });
    expect(asked.partitions[0]!.start).toBe(256 * 4096);
    await expect(readPartitionTable(MemoryBlockDevice.from(disk), { sectorSize: 1000 })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('reports an EBR chain that loops with EUCLEAN', async () => {
    const disk = buildMbrDisk();
    // The third EBR (LBA 11264) links back to the second (LBA 8192).
    writeMbrRecord(disk, 11264 * 512, [
      { type: 0x83, startLba: 1, sectorCount: 1023 },
      { type: 0x05, startLba: 8192 - 4096, sectorCount: 100 },
    ]);
    await expectCorrupt(disk, /EBR chain/, /links back to the EBR at byte 4194304, so the chain loops/);
  });

  it('reports an EBR that links to itself with EUCLEAN', async () => {
    const disk = buildMbrDisk();
    writeMbrRecord(disk, 4096 * 512, [
      { type: 0x83, startLba: 2048, sectorCount: 2048 },
      { type: 0x05, startLba: 0, sectorCount: 100 },
    ]);
    await expectCorrupt(disk, /EBR chain/, /loops/);
  });

  it(`bounds the EBR chain walk at ${MAX_EBR_CHAIN} EBRs`, async () => {
    const n = MAX_EBR_CHAIN + 5;
    const disk = new Uint8Array((2 + 2 * n) * 512);
    writeMbrRecord(disk, 0, [{ type: 0x05, startLba: 2, sectorCount: 2 * n }]);
    writeEbrChain(
      disk,
      512,
      2,
      Array.from({ length: n }, (_, i) => ({ ebrLba: 2 + 2 * i, startLba: 3 + 2 * i, sectorCount: 1, type: 0x83 })),
    );
    await expectCorrupt(disk, /EBR chain/, new RegExp(`more than ${MAX_EBR_CHAIN} EBRs`));
  });

  it('reports a primary partition beyond the device end with EUCLEAN', async () => {
    const disk = buildMbrDisk();
    writeMbrRecord(disk, 0, [{ type: 0x83, startLba: 2048, sectorCount: 2048 }, { type: 0x83, startLba: 8192, sectorCount: 8193 }], 7);
    await expectCorrupt(disk, /MBR partition entry 2/, /sectors 8192-16384 do not lie within sectors 0-16383 \(the device end\)/);
  });

  it('reports an extended partition beyond the device end with EUCLEAN', async () => {
    const disk = buildMbrDisk();
    writeMbrRecord(disk, 0, [undefined, { type: 0x05, startLba: 4096, sectorCount: 0xffffffff }]);
    await expectCorrupt(disk, /MBR partition entry 2/, /device end/);
  });

  it('reports a logical partition outside its extended partition with EUCLEAN', async () => {
    const disk = buildMbrDisk();
    writeMbrRecord(disk, 8192 * 512, [{ type: 0x82, startLba: 2048, sectorCount: 4096 }]);
    await expectCorrupt(disk, /EBR at byte 4194304, entry 1/, /the extended partition/);
  });

  it('reports an EBR link outside the extended partition with EUCLEAN', async () => {
    const disk = buildMbrDisk();
    writeMbrRecord(disk, 4096 * 512, [
      { type: 0x83, startLba: 2048, sectorCount: 2048 },
      { type: 0x05, startLba: 9000, sectorCount: 10 },
    ]);
    await expectCorrupt(disk, /link entry 2/, /the extended partition/);
  });

  it('reports a linked EBR without a boot signature with EUCLEAN', async () => {
    const disk = buildMbrDisk();
    disk[8192 * 512 + 510] = 0;
    await expectCorrupt(disk, /^EBR$/, /no boot signature 0x55AA, but the EBR at byte 2097152 links to it/);
  });

  it('reports overlapping primary partitions with EUCLEAN', async () => {
    const disk = new Uint8Array(4096 * 512);
    writeMbrRecord(disk, 0, [{ type: 0x83, startLba: 100, sectorCount: 100 }, { type: 0x83, startLba: 150, sectorCount: 100 }]);
    await expectCorrupt(disk, /MBR partition table/, /partition 2 \(bytes 76800-127999\) overlaps partition 1/);
  });

  it('says there is no partition table (ENXIO) without a boot signature', async () => {
    await expect(readPartitionTable(new MemoryBlockDevice({ size: 1 << 20 }))).rejects.toMatchObject({
      code: 'ENXIO',
      message: expect.stringMatching(/no partition table: sector 0 has no boot signature.*use the device itself/),
    });
    await expect(readPartitionTable(new MemoryBlockDevice({ size: 100 }))).rejects.toMatchObject({ code: 'ENXIO' });
  });

  it('says a boot sector with invalid boot indicators is not a partition table (ENXIO)', async () => {
    const disk = new Uint8Array(4096 * 512);
    writeMbrRecord(disk, 0, [{ type: 0x83, startLba: 100, sectorCount: 100, bootIndicator: 0x12 }]);
    await expect(readPartitionTable(MemoryBlockDevice.from(disk))).rejects.toMatchObject({
      code: 'ENXIO',
      message: expect.stringMatching(/entry 1 has boot indicator 0x12/),
    });
  });

  it('reads a table with no partitions as empty', async () => {
    const disk = new Uint8Array(4096 * 512);
    writeMbrRecord(disk, 0, [], 0xcafe);
    const table = await readPartitionTable(MemoryBlockDevice.from(disk));
    expect(table).toEqual({ kind: 'mbr', diskId: '0x0000cafe', sectorSize: 512, partitions: [] });
  });
});
