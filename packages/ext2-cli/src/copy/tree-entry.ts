// The unit every copy moves: one file-system object of a source tree (a host
// directory, an image, a tar archive), described independently of where it
// came from, so any source can feed any destination (cp and mkfs -d share
// this path).
//
// `path` holds the entry's name components below the copy's root, as raw
// bytes; [] is the root itself. Sources yield parents before children.

/** The scratch buffer a sink hands to {@link TreeEntry.readWhole}: files up to this size are read whole into it. */
export const WHOLE_FILE_BYTES = 1024 * 1024;

export type EntryKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface TreeEntry {
  path: Uint8Array[];
  kind: EntryKind;
  /** Permission bits, including setuid/setgid/sticky (mode & 0o7777). */
  perm: number;
  uid: number;
  gid: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  /** Bytes of a regular file. */
  size: number;
  /** Device number (Linux encoding) of a char/block device. */
  rdev: number;
  /** A symlink's target bytes. */
  target?: Uint8Array;
  /**
   * Hard links: entries with the same id are one inode. The first one seen is
   * created; the rest become links to it.
   */
  linkId?: string;
  /** Extended attributes (name, value), when the source has them. */
  xattrs?: [string, Uint8Array][];
  /** The file's bytes, in order (regular files only). */
  data?: () => AsyncIterable<Uint8Array>;
  /**
   * A fast path for small files (host sources): reads the whole file
   * synchronously into `scratch` and returns a view of the bytes (valid until
   * `scratch` is reused), or undefined when the file does not fit `scratch` -
   * then use `data`. Spares a many-small-files copy an async generator and a
   * fresh buffer per file.
   */
  readWhole?: (scratch: Uint8Array) => Uint8Array | undefined;
}

/**
 * A tree of entries, parents first. A host walk is synchronous (its calls
 * are), which spares a tree of small files a promise per entry; archive and
 * image sources are asynchronous.
 */
export type TreeSource = Iterable<TreeEntry> | AsyncIterable<TreeEntry>;

/** Whether `source` yields its entries synchronously. */
export function isSyncSource(source: TreeSource): source is Iterable<TreeEntry> {
  return Symbol.iterator in source;
}

/** `source` with `rewrite` applied to every entry, synchronous when `source` is. */
export function mapSource(source: TreeSource, rewrite: (entry: TreeEntry) => TreeEntry): TreeSource {
  if (isSyncSource(source)) {
    return (function* () {
      for (const entry of source) yield rewrite(entry);
    })();
  }
  return (async function* () {
    for await (const entry of source) yield rewrite(entry);
  })();
}

const SLASH = 0x2f;

/** Components joined with '/' and prefixed by `base` (bytes, no trailing '/'). */
export function joinPath(base: Uint8Array, components: readonly Uint8Array[]): Uint8Array {
  let length = base.length;
  for (const c of components) length += 1 + c.length;
  const out = new Uint8Array(length);
  out.set(base, 0);
  let at = base.length;
  for (const c of components) {
    out[at++] = SLASH;
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The components of a '/'-separated path string ('' and '.' parts dropped). */
export function splitPath(path: string): Uint8Array[] {
  const enc = new TextEncoder();
  return path
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .map((p) => enc.encode(p));
}

/**
 * Key of a path for maps: each component length-prefixed (latin1 of its
 * bytes), so no two component lists share a key — not [] and [''], not
 * ['a/b'] and ['a', 'b'].
 */
export function pathKey(components: readonly Uint8Array[]): string {
  let key = '';
  for (const c of components) key += componentKey(c);
  return key;
}

/** One component's part of a {@link pathKey}: `pathKey([...parent, name]) === pathKey(parent) + componentKey(name)`. */
export function componentKey(c: Uint8Array): string {
  // latin1, one char per byte, made in one call (a flat string, no Buffer):
  // the sinks key every entry of a copied tree.
  return `${c.length}:${String.fromCharCode.apply(null, c as unknown as number[])}`;
}

/** Why a name cannot be created safely, or undefined when it can: empty, '.', '..', or holding '/' or NUL. */
export function unsafeNameReason(name: Uint8Array): string | undefined {
  // One pass over the bytes: every entry of every copy comes through here.
  if (name.length === 0) return 'an empty name';
  let onlyDots = true;
  for (let i = 0; i < name.length; i++) {
    const b = name[i] as number;
    if (b === SLASH) return "a name containing '/'";
    if (b === 0) return 'a name containing a NUL byte';
    if (b !== 0x2e) onlyDots = false;
  }
  if (onlyDots && name.length <= 2) return `the name '${name.length === 1 ? '.' : '..'}'`;
  return undefined;
}
