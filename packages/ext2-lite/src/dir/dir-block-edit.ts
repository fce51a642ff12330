// In-place edits of one directory block (EXT2.md 4.1-4.3), for a directory
// whose blocks were all validated by readDirBlock when its index was built
// and have changed only through these functions since. They walk just the
// rec_len chain (no name copies), re-checking its structure as they go, so
// an edit costs one pass over the entry headers:
//
//   insert  first fit, as ext2_add_link: an unused slot big enough is reused
//           whole, else the first live entry with room past its own minimal
//           size is split (it keeps its minimal size, the new entry the rest)
//   remove  as ext2_delete_entry: the previous entry's rec_len absorbs it;
//           the first entry of a block just gets inode 0
//   retarget  as ext2_set_link: new inode and file_type, same name/rec_len
//
// None of them moves an existing entry, so an index of entry locations
// stays valid. The results are byte-identical to format/dir-entry.ts's
// insertDirEntry / deleteDirEntry (a property test checks that).
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { DIR_ENTRY_FIELDS, DIR_ENTRY_HEADER, emptyDirBlock, minRecLen, recLenFromDisk, recLenToDisk, type NewDirEntry } from '../format/dir-entry.js';
import { viewOf } from '../format/fields.js';

/** Where a block is, for messages. */
export interface BlockSite {
  readonly dirIno: number;
  readonly blockIndex: number;
}

const INODE = DIR_ENTRY_FIELDS.inode.offset;
const REC_LEN = DIR_ENTRY_FIELDS.recLen.offset;
const NAME_LEN = DIR_ENTRY_FIELDS.nameLen.offset;
const FILE_TYPE_BYTE = DIR_ENTRY_FIELDS.fileType.offset;

function corrupt(site: BlockSite, offset: number, detail: string): CorruptFilesystemError {
  return new CorruptFilesystemError({ structure: `directory entry of inode ${site.dirIno}`, location: `logical block ${site.blockIndex} byte ${offset}` }, detail);
}

/**
 * Calls `visit(offset, inode, recLen, nameLen)` for each entry in chain
 * order until it returns true; returns that entry's offset, or -1.
 * EUCLEAN when the chain is broken (rec_len too small, unaligned, past the
 * end, or smaller than its name needs).
 */
function walk(block: Uint8Array, view: DataView, site: BlockSite, visit: (offset: number, inode: number, recLen: number, nameLen: number) => boolean): number {
  const bs = block.length;
  for (let offset = 0; offset < bs; ) {
    if (bs - offset < 12) throw corrupt(site, offset, `${bs - offset} bytes left at the block end, too few for an entry`);
    const recLen = recLenFromDisk(view.getUint16(offset + REC_LEN, true), bs);
    const nameLen = block[offset + NAME_LEN] as number;
    if (recLen < 12 || recLen % 4 !== 0 || offset + recLen > bs || recLen < minRecLen(nameLen)) {
      throw corrupt(site, offset, `rec_len ${recLen} (name_len ${nameLen}) breaks the entry chain`);
    }
    if (visit(offset, view.getUint32(offset + INODE, true), recLen, nameLen)) return offset;
    offset += recLen;
  }
  return -1;
}

/** Writes an entry header and name at `offset`, zero-padding the name to its minimal record. */
function writeEntry(block: Uint8Array, view: DataView, offset: number, recLen: number, entry: NewDirEntry, filetype: boolean): void {
  block.fill(0, offset + DIR_ENTRY_HEADER, offset + minRecLen(entry.name.length));
  view.setUint32(offset + INODE, entry.inode, true);
  view.setUint16(offset + REC_LEN, recLenToDisk(recLen, block.length), true);
  block[offset + NAME_LEN] = entry.name.length;
  block[offset + FILE_TYPE_BYTE] = filetype ? entry.fileType : 0;
  block.set(entry.name, offset + DIR_ENTRY_HEADER);
}

/** The room an insert can use in `block`: an unused slot's rec_len, or a live entry's rec_len beyond its minimal size. */
export function blockSlackOf(block: Uint8Array, site: BlockSite): number {
  let best = 0;
  walk(block, viewOf(block), site, (_o, inode, recLen, nameLen) => {
    const room = inode === 0 ? recLen : recLen - minRecLen(nameLen);
    if (room > best) best = room;
    return false;
  });
  return best;
}

/**
 * Inserts `entry` into `block` in place (first fit, see the module comment)
 * and returns its offset, or undefined when no entry has room.
 * Precondition: the name is valid (1..255 bytes, no '/' or NUL) and not in the directory.
 */
export function insertEntryInPlace(block: Uint8Array, entry: NewDirEntry, filetype: boolean, site: BlockSite): number | undefined {
  const view = viewOf(block);
  const needed = minRecLen(entry.name.length);
  let at = -1;
  let length = 0;
  walk(block, view, site, (offset, inode, recLen, nameLen) => {
    if (inode === 0 && recLen >= needed) {
      [at, length] = [offset, recLen];
      return true;
    }
    const own = minRecLen(nameLen);
    if (inode !== 0 && recLen >= own + needed) {
      view.setUint16(offset + REC_LEN, recLenToDisk(own, block.length), true);
      [at, length] = [offset + own, recLen - own];
      return true;
    }
    return false;
  });
  if (at === -1) return undefined;
  writeEntry(block, view, at, length, entry, filetype);
  return at;
}

/**
 * Removes the entry at `offset` from `block` in place (merged into the
 * previous entry, or inode 0 when first) and returns the room an insert
 * now finds in the entry that holds the freed bytes (as blockSlackOf
 * counts room): the only entry whose room changed.
 */
export function removeEntryInPlace(block: Uint8Array, offset: number, site: BlockSite): number {
  const view = viewOf(block);
  let prev = -1;
  let prevLen = 0;
  let prevNameLen = 0;
  let prevInode = 0;
  let victimLen = 0;
  const found = walk(block, view, site, (o, inode, recLen, nameLen) => {
    if (o === offset) {
      victimLen = recLen;
      return true;
    }
    prev = o;
    prevLen = recLen;
    prevNameLen = nameLen;
    prevInode = inode;
    return false;
  });
  if (found === -1) throw new FsError('EINVAL', `no directory entry starts at byte ${offset} of block ${site.blockIndex} of directory inode ${site.dirIno}`, { syscall: 'unlink' });
  view.setUint32(offset + INODE, 0, true);
  if (prev === -1) return victimLen;
  view.setUint16(prev + REC_LEN, recLenToDisk(prevLen + victimLen, block.length), true);
  return prevInode === 0 ? prevLen + victimLen : prevLen + victimLen - minRecLen(prevNameLen);
}

/** Points the live entry at `offset` at `target` in place (ext2_set_link); name and rec_len stay. */
export function retargetEntryInPlace(block: Uint8Array, offset: number, target: { inode: number; fileType: number }, filetype: boolean, site: BlockSite): void {
  const view = viewOf(block);
  const found = walk(block, view, site, (o, inode) => o === offset && inode !== 0);
  if (found === -1) throw new FsError('EINVAL', `no live directory entry starts at byte ${offset} of block ${site.blockIndex} of directory inode ${site.dirIno}`, { syscall: 'rename' });
  view.setUint32(offset + INODE, target.inode, true);
  block[offset + FILE_TYPE_BYTE] = filetype ? target.fileType : 0;
}

/** A fresh directory block holding only `entry`, whose rec_len covers the whole block (how ext2 grows a directory). */
export function singleEntryDirBlock(entry: NewDirEntry, blockSize: number, filetype: boolean): Uint8Array {
  const block = emptyDirBlock(blockSize);
  if (minRecLen(entry.name.length) > blockSize) throw new FsError('ENAMETOOLONG', `a ${entry.name.length}-byte name does not fit a ${blockSize}-byte directory block`, { syscall: 'link' });
  writeEntry(block, viewOf(block), 0, blockSize, entry, filetype);
  return block;
}
