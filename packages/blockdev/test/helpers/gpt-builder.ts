// Test helper: writes a complete GPT (protective MBR, primary header and
// entry array, backup entry array and header) byte by byte, with its own
// CRC32 from the definition (bitwise, no table) so it checks src/crc32.ts
// rather than reusing it.
import { writeMbrRecord } from './mbr-builder.js';

export interface GptPartitionSpec {
  /** 1-based slot; default: position in the list + 1. */
  index?: number;
  type: string;
  guid: string;
  name: string;
  firstLba: number;
  lastLba: number;
  attributes?: bigint;
}

export interface GptSpec {
  sectorSize: number;
  deviceSectors: number;
  diskGuid: string;
  partitions: readonly GptPartitionSpec[];
  entryCount?: number;
  entrySize?: number;
}

export interface GptLayout {
  primaryHeaderByte: number;
  primaryArrayByte: number;
  backupHeaderByte: number;
  backupArrayByte: number;
  arrayBytes: number;
  firstUsableLba: number;
  lastUsableLba: number;
}

/** Bitwise CRC-32 (IEEE 802.3, reflected). */
export function slowCrc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The 16 stored bytes of a GUID in text form (first three fields little-endian). */
export function guidBytes(text: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  const b = Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));
  return Uint8Array.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.slice(8)]);
}

/** Writes the whole GPT into `disk`; returns where the pieces went. */
export function writeGpt(disk: Uint8Array, spec: GptSpec): GptLayout {
  const ss = spec.sectorSize;
  const entryCount = spec.entryCount ?? 128;
  const entrySize = spec.entrySize ?? 128;
  const arrayBytes = entryCount * entrySize;
  const arraySectors = Math.ceil(arrayBytes / ss);
  const lastLba = spec.deviceSectors - 1;
  const firstUsableLba = 2 + arraySectors;
  const lastUsableLba = lastLba - 1 - arraySectors;
  writeMbrRecord(disk, 0, [{ type: 0xee, startLba: 1, sectorCount: Math.min(lastLba, 0xffffffff) }]);
  const array = new Uint8Array(arrayBytes);
  spec.partitions.forEach((p, i) => {
    const at = ((p.index ?? i + 1) - 1) * entrySize;
    const view = new DataView(array.buffer, at, entrySize);
    array.set(guidBytes(p.type), at);
    array.set(guidBytes(p.guid), at + 16);
    view.setBigUint64(32, BigInt(p.firstLba), true);
    view.setBigUint64(40, BigInt(p.lastLba), true);
    view.setBigUint64(48, p.attributes ?? 0n, true);
    for (let c = 0; c < p.name.length && c < 36; c++) view.setUint16(56 + 2 * c, p.name.charCodeAt(c), true);
  });
  const arrayCrc = slowCrc32(array);
  const layout: GptLayout = {
    primaryHeaderByte: ss,
    primaryArrayByte: 2 * ss,
    backupHeaderByte: lastLba * ss,
    backupArrayByte: (lastLba - arraySectors) * ss,
    arrayBytes,
    firstUsableLba,
    lastUsableLba,
  };
  disk.set(array, layout.primaryArrayByte);
  disk.set(array, layout.backupArrayByte);
  const header = (myLba: number, alternateLba: number, entriesLba: number): Uint8Array => {
    const h = new Uint8Array(ss);
    const view = new DataView(h.buffer);
    h.set([0x45, 0x46, 0x49, 0x20, 0x50, 0x41, 0x52, 0x54], 0); // "EFI PART"
    view.setUint32(8, 0x00010000, true);
    view.setUint32(12, 92, true);
    view.setBigUint64(24, BigInt(myLba), true);
    view.setBigUint64(32, BigInt(alternateLba), true);
    view.setBigUint64(40, BigInt(firstUsableLba), true);
    view.setBigUint64(48, BigInt(lastUsableLba), true);
    h.set(guidBytes(spec.diskGuid), 56);
    view.setBigUint64(72, BigInt(entriesLba), true);
    view.setUint32(80, entryCount, true);
    view.setUint32(84, entrySize, true);
    view.setUint32(88, arrayCrc, true);
    view.setUint32(16, slowCrc32(h.subarray(0, 92)), true);
    return h;
  };
  disk.set(header(1, lastLba, 2), layout.primaryHeaderByte);
  disk.set(header(lastLba, 1, lastLba - arraySectors), layout.backupHeaderByte);
  return layout;
}

/** Recomputes the HeaderCRC32 of the header at `headerByte` (after a test edited a field). */
export function fixHeaderCrc(disk: Uint8Array, headerByte: number): void {
  const view = new DataView(disk.buffer, disk.byteOffset + headerByte, 92);
  view.setUint32(16, 0, true);
  view.setUint32(16, slowCrc32(disk.subarray(headerByte, headerByte + 92)), true);
}

/** Recomputes the entry-array CRC in the header at `headerByte` for the array at `arrayByte`. */
export function fixArrayCrc(disk: Uint8Array, headerByte: number, arrayByte: number, arrayBytes: number): void {
  const view = new DataView(disk.buffer, disk.byteOffset + headerByte, 92);
  view.setUint32(88, slowCrc32(disk.subarray(arrayByte, arrayByte + arrayBytes)), true);
  fixHeaderCrc(disk, headerByte);
}

export const ESP = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
export const LINUX_FS = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
export const SWAP = '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F';

/**
 * The standard test disk: 8 MiB (16384 sectors of 512 bytes, or 2048 of
 * 4096 with `sectorSize: 4096`), partitions
 *   1 'boot'     ESP       1 MiB .. 3 MiB   (legacy BIOS bootable)
 *   2 'rootfs'   Linux fs  3 MiB .. 6 MiB
 *   4 'données ✓ 𝄞' swap   6 MiB .. 7 MiB   (slot 3 left empty)
 */
export function buildGptDisk(sectorSize = 512): { disk: Uint8Array; layout: GptLayout; spec: GptSpec } {
  const MiB = (1 << 20) / sectorSize;
  const deviceSectors = (8 << 20) / sectorSize;
  const spec: GptSpec = {
    sectorSize,
    deviceSectors,
    diskGuid: '01234567-89AB-CDEF-0123-456789ABCDEF',
    partitions: [
      { type: ESP, guid: '11111111-2222-3333-4444-555555555555', name: 'boot', firstLba: MiB, lastLba: 3 * MiB - 1, attributes: 4n },
      { type: LINUX_FS, guid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', name: 'rootfs', firstLba: 3 * MiB, lastLba: 6 * MiB - 1 },
      { index: 4, type: SWAP, guid: 'DEADBEEF-0000-4000-8000-0123456789AB', name: 'données ✓ 𝄞', firstLba: 6 * MiB, lastLba: 7 * MiB - 1, attributes: 1n << 63n },
    ],
  };
  const disk = new Uint8Array(deviceSectors * sectorSize);
  const layout = writeGpt(disk, spec);
  return { disk, layout, spec };
}
