// Reproducible images (--reproducible, or SOURCE_DATE_EPOCH set): the same
// input and options give the same bytes. What would differ between runs is
// pinned:
//  - the UUID and the directory hash seed are derived from a SHA-256 of the
//    input tree (names, types, modes, owners, clamped times, link targets,
//    xattrs and file bytes, in the order they are copied) and the options;
//  - every time is clamped to the build epoch: SOURCE_DATE_EPOCH, or else
//    the newest mtime in the input; the filesystem's own times (creation,
//    mount, write, inode change) are the epoch;
//  - entries are copied in a fixed order (directories sorted by name bytes,
//    archives in archive order) and ext2-lite allocates deterministically.
import { createHash, type Hash } from 'node:crypto';
import { UsageError } from '../cli/usage-error.js';
import type { TreeSource } from '../copy/tree-entry.js';

/** The epoch from SOURCE_DATE_EPOCH (whole seconds), or undefined when unset. */
export function sourceDateEpoch(env: Record<string, string | undefined>): number | undefined {
  const text = env.SOURCE_DATE_EPOCH;
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) > 2 ** 31 - 1) throw new UsageError(`SOURCE_DATE_EPOCH must be whole seconds since 1970 (0..2147483647), got '${text}'`);
  return Number(text);
}

/** What one hashing pass over the input found. */
export interface InputDigest {
  /** SHA-256 of the canonical input. */
  digest: Uint8Array;
  /** Newest mtime in the input, whole seconds (0 for an empty input). */
  newestMtimeSeconds: number;
}

function field(hash: Hash, label: string, value: Uint8Array | string | number | bigint): void {
  const bytes = typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? Buffer.from(String(value)) : Buffer.from(value);
  hash.update(`${label}:${bytes.length}:`);
  hash.update(bytes);
}

/** Hashes every entry of `source` (reading all file data) into an {@link InputDigest}. */
export async function digestInput(source: TreeSource): Promise<InputDigest> {
  const hash = createHash('sha256');
  let newest = 0n;
  for await (const e of source) {
    field(hash, 'path', Buffer.concat(e.path.map((c: Uint8Array) => Buffer.concat([Buffer.from('/'), c]))));
    field(hash, 'kind', e.kind);
    field(hash, 'meta', `${e.perm}:${e.uid}:${e.gid}:${e.rdev}:${e.mtimeNs}:${e.linkId === undefined ? '' : 'link'}`);
    if (e.target !== undefined) field(hash, 'target', e.target);
    for (const [name, value] of e.xattrs ?? []) field(hash, `xattr ${name}`, value);
    if (e.mtimeNs > newest) newest = e.mtimeNs;
    if (e.data !== undefined) {
      const data = createHash('sha256');
      for await (const chunk of e.data()) data.update(chunk);
      field(hash, 'data', data.digest());
    }
  }
  return { digest: hash.digest(), newestMtimeSeconds: Number(newest / 1_000_000_000n) };
}

/** A name-based UUID (version 5 layout) from `digest` and a purpose label, as 8-4-4-4-12 text. */
export function derivedUuid(digest: Uint8Array, purpose: string, options: string): string {
  const bytes = createHash('sha256').update(purpose).update('\0').update(options).update('\0').update(digest).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
