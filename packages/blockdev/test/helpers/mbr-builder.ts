// Test helper: writes MBRs and EBR chains byte by byte, independently of the
// decoder in src/ (offsets from the DOS partition table layout).

export interface MbrEntrySpec {
  type: number;
  /** LBA as stored in the entry (absolute for the MBR; relative for EBRs). */
  startLba: number;
  sectorCount: number;
  bootable?: boolean;
  /** Raw boot indicator byte, overriding `bootable`. */
  bootIndicator?: number;
}

/** Writes a 512-byte MBR/EBR at `byteOffset`: up to four entries, the disk signature, 0x55AA. */
export function writeMbrRecord(
  disk: Uint8Array,
  byteOffset: number,
  entries: readonly (MbrEntrySpec | undefined)[],
  diskSignature = 0,
  bootSignature = true,
): void {
  const view = new DataView(disk.buffer, disk.byteOffset + byteOffset, 512);
  view.setUint32(440, diskSignature, true);
  entries.forEach((e, slot) => {
    const at = 446 + slot * 16;
    for (let i = 0; i < 16; i++) view.setUint8(at + i, 0);
    if (e === undefined) return;
    view.setUint8(at, e.bootIndicator ?? (e.bootable ? 0x80 : 0));
    view.setUint8(at + 4, e.type);
    view.setUint32(at + 8, e.startLba, true);
    view.setUint32(at + 12, e.sectorCount, true);
  });
  view.setUint8(510, bootSignature ? 0x55 : 0);
  view.setUint8(511, bootSignature ? 0xaa : 0);
}

export interface LogicalSpec {
  /** Absolute LBA of the EBR describing this logical partition. */
  ebrLba: number;
  /** Absolute first LBA of the logical partition. */
  startLba: number;
  sectorCount: number;
  type: number;
}

/**
 * Writes the EBR chain of an extended partition starting at `extStartLba`:
 * one EBR per logical partition, each linking to the next (link relative to
 * the extended start, data relative to the EBR).
 */
export function writeEbrChain(disk: Uint8Array, sectorSize: number, extStartLba: number, logicals: readonly LogicalSpec[]): void {
  logicals.forEach((l, i) => {
    const next = logicals[i + 1];
    writeMbrRecord(disk, l.ebrLba * sectorSize, [
      { type: l.type, startLba: l.startLba - l.ebrLba, sectorCount: l.sectorCount },
      next === undefined
        ? undefined
        : { type: 0x05, startLba: next.ebrLba - extStartLba, sectorCount: next.startLba + next.sectorCount - next.ebrLba },
    ]);
  });
}

/**
 * The standard test disk: 8 MiB of 512-byte sectors (16384), disk signature
 * 0x1234abcd, partitions
 *   1  bootable 0x0c  LBA 2048  +2048
 *   2  extended 0x05  LBA 4096  +8192  holding
 *        5  0x83  EBR 4096, LBA 6144  +2048
 *        6  0x82  EBR 8192, LBA 10240 +1024
 *        7  0x83  EBR 11264, LBA 11265 +1023
 *   3  0x83           LBA 12288 +4096
 */
export function buildMbrDisk(): Uint8Array {
  const disk = new Uint8Array(16384 * 512);
  writeMbrRecord(
    disk,
    0,
    [
      { type: 0x0c, startLba: 2048, sectorCount: 2048, bootable: true },
      { type: 0x05, startLba: 4096, sectorCount: 8192 },
      { type: 0x83, startLba: 12288, sectorCount: 4096 },
    ],
    0x1234abcd,
  );
  writeEbrChain(disk, 512, 4096, [
    { ebrLba: 4096, startLba: 6144, sectorCount: 2048, type: 0x83 },
    { ebrLba: 8192, startLba: 10240, sectorCount: 1024, type: 0x82 },
    { ebrLba: 11264, startLba: 11265, sectorCount: 1023, type: 0x83 },
  ]);
  return disk;
}
