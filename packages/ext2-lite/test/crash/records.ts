// Self-describing file data for crash checks: every 16-byte record says
// which file wrote it, in which write, and at which offset:
//
//   u16 magic 0xC5A3 | u16 file id | u32 write version | u64 offset (LE)
//
// So after a crash any byte of any file can be judged on its own: a zero
// record is a hole (or data that never reached the disk); a valid record
// must carry the file's id, its own offset, and the version of a write that
// covered that offset. Anything else — another file's old bytes, stale
// metadata, garbage — is a block the filesystem exposed without writing it.

export const RECORD = 16;
const MAGIC = 0xc5a3;

/** The bytes a write of `[pos, pos + length)` with `version` puts in file `fileId` (pos and length multiples of 16). */
export function recordBytes(fileId: number, version: number, pos: number, length: number): Uint8Array {
  if (pos % RECORD !== 0 || length % RECORD !== 0) throw new Error(`record writes are 16-byte aligned, got ${pos}+${length}`);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  for (let at = 0; at < length; at += RECORD) {
    view.setUint16(at, MAGIC, true);
    view.setUint16(at + 2, fileId, true);
    view.setUint32(at + 4, version, true);
    view.setBigUint64(at + 8, BigInt(pos + at), true);
  }
  return out;
}

export interface DecodedRecord {
  fileId: number;
  version: number;
  offset: number;
}

/** The record at `at` in `bytes`: 'zero', a decoded record, or 'garbage'. */
export function decodeRecord(bytes: Uint8Array, at: number): 'zero' | 'garbage' | DecodedRecord {
  let zero = true;
  for (let i = at; i < at + RECORD; i++) {
    if (bytes[i] !== 0) {
      zero = false;
      break;
    }
  }
  if (zero) return 'zero';
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, RECORD);
  if (view.getUint16(0, true) !== MAGIC) return 'garbage';
  return { fileId: view.getUint16(2, true), version: view.getUint32(4, true), offset: Number(view.getBigUint64(8, true)) };
}

/**
 * Checks a whole file: every record zero or written by one of the files in
 * `allowedIds` at exactly this offset by a write that `wrote(fileId, version,
 * offset)` confirms. Returns the first problem, or undefined.
 */
export function checkRecords(
  bytes: Uint8Array,
  allowedIds: ReadonlySet<number> | undefined,
  wrote: (fileId: number, version: number, offset: number) => boolean,
): string | undefined {
  if (bytes.length % RECORD !== 0) return `size ${bytes.length} is not a multiple of ${RECORD}`;
  let owner: number | undefined;
  for (let at = 0; at < bytes.length; at += RECORD) {
    const r = decodeRecord(bytes, at);
    if (r === 'zero') continue;
    if (r === 'garbage') return `bytes at ${at} are not any file's data (${Buffer.from(bytes.subarray(at, at + RECORD)).toString('hex')})`;
    if (r.offset !== at) return `the record at ${at} was written at offset ${r.offset} (file ${r.fileId}, write ${r.version})`;
    if (owner !== undefined && r.fileId !== owner) return `the record at ${at} belongs to file ${r.fileId}, earlier ones to file ${owner}`;
    owner = r.fileId;
    if (allowedIds !== undefined && !allowedIds.has(r.fileId)) return `the record at ${at} belongs to file ${r.fileId}, which never had this name`;
    if (!wrote(r.fileId, r.version, at)) return `the record at ${at} claims write ${r.version} of file ${r.fileId}, which never covered offset ${at}`;
  }
  return undefined;
}
