// A tar archive (ustar, GNU or pax; gzip-compressed too) as a tree source
// for mkfs -d and cp, read with tar-stream. Entries come in archive order;
// the sink creates parent directories an archive leaves implicit. Paths are
// made relative ('/' and './' prefixes dropped); an entry whose path holds
// a '..' component is refused, as GNU tar does. pax records give
// nanosecond times, SCHILY.xattr.* extended attributes (binary values kept
// byte for byte, tar-pax.ts) and SCHILY.acl.* POSIX ACLs (tar-acl.ts).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type tar from 'tar-stream';
import { FsError } from '@iomap/core';
import { pathKey, type EntryKind, type TreeEntry } from './tree-entry.js';
import { makeDev } from '../show/mode-string.js';
import { TAR_ACL_KEYS, aclTextToXattr, hostIdLookup, type IdLookup } from './tar-acl.js';
import { BINARY_PAX_PREFIX, binaryPaxValue, installPaxDecoder } from './tar-pax.js';

const KINDS: Record<string, EntryKind> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};


/** Nanoseconds from a pax time ("1700000000.5") or a header Date. */
function timeNsOf(pax: string | undefined, fallback: Date | undefined): bigint {
  if (pax !== undefined && /^-?\d+(\.\d+)?$/.test(pax)) {
    const [whole, fraction = ''] = pax.split('.') as [string, string?];
    const ns = BigInt(fraction.padEnd(9, '0').slice(0, 9));
    return BigInt(whole) * 1_000_000_000n + (whole.startsWith('-') ? -ns : ns);
  }
  return BigInt(Math.floor((fallback?.getTime() ?? 0) / 1000)) * 1_000_000_000n;
}

/** The path bytes of a header name: pax paths are UTF-8, plain header names raw bytes (read as latin1). */
function nameBytes(name: string, fromPax: boolean): Uint8Array {
  return fromPax ? new TextEncoder().encode(name) : Uint8Array.from(Buffer.from(name, 'latin1'));
}

/** Relative components of an archive path; throws for '..' components. */
export function archivePath(bytes: Uint8Array, what: string): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x2f) continue;
    const part = bytes.subarray(start, i);
    start = i + 1;
    if (part.length === 0 || (part.length === 1 && part[0] === 0x2e)) continue;
    if (part.length === 2 && part[0] === 0x2e && part[1] === 0x2e) {
      throw new FsError('EINVAL', `archive ${what} '${Buffer.from(bytes).toString('latin1')}' has a '..' component (refused: it could point outside the tree)`, { syscall: 'tar' });
    }
    parts.push(part.slice());
  }
  return parts;
}

/** Opens a tar file ('-' for stdin, asked for only then), gunzipping when it starts with the gzip magic. */
export async function openArchive(path: string, stdin: () => Readable): Promise<Readable> {
  const raw: Readable = path === '-' ? stdin() : createReadStream(path);
  const first: Buffer | null = await new Promise((resolve, reject) => {
    const onReadable = (): void => {
      cleanup();
      resolve(raw.read(2) as Buffer | null);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      raw.off('readable', onReadable);
      raw.off('end', onEnd);
      raw.off('error', onError);
    };
    raw.once('readable', onReadable);
    raw.once('end', onEnd);
    raw.once('error', onError);
  });
  if (first !== null) raw.unshift(first);
  const gzipped = first !== null && first[0] === 0x1f && first[1] === 0x8b;
  return gzipped ? raw.pipe(createGunzip()) : raw;
}

/** The entries of a tar stream. Each entry's data must be consumed before the next is requested. */
export async function* tarTree(stream: Readable): AsyncGenerator<TreeEntry> {
  // Loaded here, not with the command: tar-stream and the streamx it builds on cost ~1 ms of every run to load.
  const { default: tarStream } = await import('tar-stream');
  await installPaxDecoder();
  const lookup = hostIdLookup();
  const extract = tarStream.extract({ filenameEncoding: 'latin1' });
  stream.on('error', (err) => extract.destroy(err));
  stream.pipe(extract);
  for await (const item of extract) {
    const h = item.header as tar.Headers & { pax?: Record<string, string> };
    const pax = h.pax ?? {};
    const path = archivePath(nameBytes(h.name, pax.path !== undefined), 'path');
    if (h.type === 'link') {
      // A hard link: the same inode as the earlier entry it names.
      const target = archivePath(nameBytes(h.linkname ?? '', pax.linkpath !== undefined), 'hard link target');
      yield { ...baseEntry(path, 'file', h, pax, lookup), linkId: linkIdOf(target) };
      item.resume();
      continue;
    }
    const kind = h.type === null || h.type === undefined ? 'file' : KINDS[h.type];
    if (kind === undefined) {
      item.resume();
      continue;
    }
    const entry = baseEntry(path, kind, h, pax, lookup);
    if (kind === 'symlink') entry.target = nameBytes(h.linkname ?? '', pax.linkpath !== undefined);
    if (kind === 'file') {
      entry.size = h.size ?? 0;
      entry.data = () => item;
      // Hard links to this entry name it by path.
      entry.linkId = linkIdOf(path);
    }
    yield entry;
    // Whatever the sink did not read is skipped, so the archive can go on.
    item.resume();
  }
}

/** Hard links name their target by archive path: the id of the inode first stored under that path. */
function linkIdOf(path: readonly Uint8Array[]): string {
  return `tar:${pathKey(path)}`;
}

/** The xattr name in a SCHILY.xattr key: GNU tar writes '=' (which ends a pax key) as %3D, and so '%' as %25. */
function xattrNameOfPaxKey(key: string): string {
  return key.slice(BINARY_PAX_PREFIX.length).replace(/%3D|%25/g, (m) => (m === '%3D' ? '=' : '%'));
}

function baseEntry(path: Uint8Array[], kind: EntryKind, h: tar.Headers, pax: Record<string, string>, lookup: IdLookup): TreeEntry {
  const xattrs: [string, Uint8Array][] = Object.entries(pax)
    .filter(([key]) => key.startsWith(BINARY_PAX_PREFIX))
    .map(([key, value]) => [xattrNameOfPaxKey(key), binaryPaxValue(value)]);
  for (const [key, name] of TAR_ACL_KEYS) {
    const text = pax[key];
    if (text !== undefined) xattrs.push([name, aclTextToXattr(text, lookup, `${key} of ${h.name}`)]);
  }
  const mtimeNs = timeNsOf(pax.mtime, h.mtime);
  return {
    path,
    kind,
    perm: (h.mode ?? 0o644) & 0o7777,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    atimeNs: pax.atime === undefined ? mtimeNs : timeNsOf(pax.atime, h.mtime),
    mtimeNs,
    size: 0,
    rdev: kind === 'char' || kind === 'block' ? makeDev(h.devmajor ?? 0, h.devminor ?? 0) : 0,
    ...(xattrs.length > 0 ? { xattrs } : {}),
  };
}
