// A directory the builder is filling: its entries in the order they were
// added ('.' and '..' first), packed into blocks only at the end, the way
// ext2_add_link would have appended them to a fresh directory (EXT2.md 4):
// each entry takes its minimal rec_len, the last one of a block stretches to
// the block's end, a new block starts when the next entry does not fit.
import { FsError } from '@iomap/core';
import { DIR_ENTRY_FIELDS, DIR_ENTRY_HEADER, FILE_TYPE, NAME_MAX, minRecLen } from '../format/dir-entry.js';


/**
 * A name as a string key (one char per byte), or undefined when the name
 * holds NUL or '/' or is longer than NAME_MAX (no entry can have it; checkNew
 * tells those apart first). Every entry of a build goes through here: the bytes are
 * checked in a loop that allocates nothing, and the key made in one call
 * (a flat string; appending a char at a time made one string per byte).
 */
function nameKey(name: Uint8Array): string | undefined {
  if (name.length > NAME_MAX) return undefined;
  for (let i = 0; i < name.length; i++) {
    const c = name[i] as number;
    if (c === 0 || c === 0x2f) return undefined;
  }
  // At most NAME_MAX (255) bytes: well within apply's argument limit.
  return String.fromCharCode.apply(null, name as unknown as number[]);
}

export class DirectoryContents {
  /** Names as keys (one char per byte): no typed array per entry for the garbage collector to track. */
  private readonly names: string[] = [];
  private readonly inos: number[] = [];
  private readonly types: number[] = [];
  /** Name key -> index of the live entry. */
  private readonly taken = new Map<string, number>();
  /** The key of the name `checkNew` passed last (add uses it). */
  private lastChecked: string | undefined;
  /** Subdirectories (for the link count). */
  subdirs = 0;

  constructor(self: number, parent: number) {
    this.push('.', self, FILE_TYPE.DIR);
    this.push('..', parent, FILE_TYPE.DIR);
  }

  private push(name: string, ino: number, type: number): void {
    this.names.push(name);
    this.inos.push(ino);
    this.types.push(type);
  }

  /**
   * Throws unless `name` can be added: 1..255 bytes, no '/' or NUL, not '.'
   * or '..', not present yet.
   */
  checkNew(name: Uint8Array): void {
    if (name.length < 1 || name.length > NAME_MAX) throw new FsError('ENAMETOOLONG', `a name of ${name.length} bytes is outside 1..${NAME_MAX}`, { syscall: 'link' });
    const key = nameKey(name);
    if (key === undefined) throw new FsError('EINVAL', "a name must not contain NUL or '/'", { syscall: 'link' });
    if (key === '.' || key === '..') throw new FsError('EEXIST', `'${key}' is always present`, { syscall: 'link' });
    if (this.taken.has(key)) throw new FsError('EEXIST', 'the name exists in this directory already', { syscall: 'link' });
    this.lastChecked = key;
  }

  /** Adds an entry. Precondition: `checkNew(name)` passed (it was the last name checked). */
  add(name: Uint8Array, ino: number, fileType: number): void {
    const key = this.lastChecked ?? (nameKey(name) as string);
    this.lastChecked = undefined;
    this.taken.set(key, this.names.length);
    this.push(key, ino, fileType);
    if (fileType === FILE_TYPE.DIR) this.subdirs++;
  }

  /**
   * Removes entry `name`; returns its inode and file type, or undefined when
   * there is no such entry. The slot stays as a gap that packing skips.
   */
  remove(name: Uint8Array): { ino: number; fileType: number } | undefined {
    const key = nameKey(name);
    const index = key === undefined ? undefined : this.taken.get(key);
    if (key === undefined || index === undefined) return undefined;
    this.taken.delete(key);
    const removed = { ino: this.inos[index] as number, fileType: this.types[index] as number };
    this.inos[index] = 0;
    if (removed.fileType === FILE_TYPE.DIR) this.subdirs--;
    return removed;
  }

  /** Blocks the packed entries take. */
  blockCount(blockSize: number): number {
    let blocks = 1;
    let used = 0;
    for (let i = 0; i < this.names.length; i++) {
      if (this.inos[i] === 0) continue;
      const len = minRecLen((this.names[i] as string).length);
      if (used + len > blockSize) {
        blocks++;
        used = 0;
      }
      used += len;
    }
    return blocks;
  }

  /** The packed blocks, one buffer (`filetype`: store file types in the entries). */
  pack(blockSize: number, filetype: boolean): Uint8Array {
    const out = new Uint8Array(this.blockCount(blockSize) * blockSize);
    const view = new DataView(out.buffer);
    let blockStart = 0;
    let at = 0;
    let last = -1;
    for (let i = 0; i < this.names.length; i++) {
      if (this.inos[i] === 0) continue;
      const name = this.names[i] as string;
      const len = minRecLen(name.length);
      if (at + len > blockStart + blockSize) {
        view.setUint16(last + DIR_ENTRY_FIELDS.recLen.offset, blockStart + blockSize - last, true);
        blockStart += blockSize;
        at = blockStart;
      }
      view.setUint32(at + DIR_ENTRY_FIELDS.inode.offset, this.inos[i] as number, true);
      view.setUint16(at + DIR_ENTRY_FIELDS.recLen.offset, len, true);
      out[at + DIR_ENTRY_FIELDS.nameLen.offset] = name.length;
      out[at + DIR_ENTRY_FIELDS.fileType.offset] = filetype ? (this.types[i] as number) : 0;
      for (let j = 0; j < name.length; j++) out[at + DIR_ENTRY_HEADER + j] = name.charCodeAt(j);
      last = at;
      at += len;
    }
    view.setUint16(last + DIR_ENTRY_FIELDS.recLen.offset, blockStart + blockSize - last, true);
    return out;
  }
}
