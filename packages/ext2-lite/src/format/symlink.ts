// Symlinks (EXT2.md 3.5). The target is stored one of two ways:
//   fast: 0 < i_size < 60 - the bytes sit in the 60-byte i_block area
//         (0x28..0x63 of the inode), followed by at least one NUL; no data block,
//         i_blocks counts only an xattr block if there is one.
//   slow: i_size >= 60 (and < bs) - one data block in i_block[0], all other
//         slots 0, the target followed by NUL padding; i_blocks = bs/512
//         (plus bs/512 for an xattr block).
// e2fsprogs decides by i_size, the kernel by i_blocks minus the xattr block;
// an inode where the two rules disagree is corrupt (e2fsck: "Symlink ... is
// invalid"), so we check both and require them to agree.
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { checkBlockPointer, type BlockRange } from './block-map.js';
import { viewOf } from './fields.js';
import { INODE_FLAGS, N_BLOCKS, type Inode } from './inode.js';

/** Bytes of the i_block area. */
export const FAST_SYMLINK_AREA = N_BLOCKS * 4;
/** Longest target stored inline: length must be < 60. */
export const FAST_SYMLINK_MAX = FAST_SYMLINK_AREA - 1;

type SymlinkInode = Pick<Inode, 'size' | 'blocks' | 'fileAcl' | 'block' | 'flags'>;

function corrupt(ino: number, detail: string): CorruptFilesystemError {
  return new CorruptFilesystemError({ structure: `symlink inode ${ino}` }, detail);
}

/**
 * 'fast' or 'slow' for a symlink inode, after checking that the length rule
 * (e2fsprogs) and the i_blocks rule (kernel) agree and the size is sane
 * (1..bs-1, i_size_high is not part of a symlink's size).
 */
export function symlinkStorage(inode: SymlinkInode, opts: { ino: number; blockSize: number }): 'fast' | 'slow' {
  const { ino, blockSize } = opts;
  if (inode.size === 0) throw corrupt(ino, 'i_size 0 (a symlink needs a target)');
  if (inode.size >= blockSize) throw corrupt(ino, `i_size ${inode.size} does not fit one ${blockSize}-byte block`);
  if ((inode.flags & (INODE_FLAGS.INDEX | INODE_FLAGS.EXTENTS | INODE_FLAGS.INLINE_DATA)) !== 0) {
    throw corrupt(ino, `i_flags 0x${inode.flags.toString(16)} carries INDEX/EXTENTS/INLINE_DATA, impossible on an ext2 symlink`);
  }
  const xattrSectors = inode.fileAcl !== 0 ? blockSize / 512 : 0;
  const dataSectors = inode.blocks - xattrSectors;
  const fastBySize = inode.size < FAST_SYMLINK_AREA;
  const fastByBlocks = dataSectors === 0;
  if (fastBySize !== fastByBlocks) {
    throw corrupt(
      ino,
      `i_size ${inode.size} says ${fastBySize ? 'fast' : 'slow'} but i_blocks ${inode.blocks} (i_file_acl ${inode.fileAcl}) says ${fastByBlocks ? 'fast' : 'slow'}`,
    );
  }
  if (!fastByBlocks && dataSectors !== blockSize / 512) {
    throw corrupt(ino, `i_blocks ${inode.blocks} is not one data block (${blockSize / 512} sectors) plus the xattr block`);
  }
  return fastBySize ? 'fast' : 'slow';
}

/** The 60 bytes of i_block as stored (words are little-endian on disk). */
export function iBlockBytes(block: readonly number[]): Uint8Array {
  const out = new Uint8Array(FAST_SYMLINK_AREA);
  const view = viewOf(out);
  block.forEach((w, i) => view.setUint32(4 * i, w, true));
  return out;
}

/** The target of a fast symlink: no NUL inside it, a NUL right after it (e2fsck strnlen rule). */
export function decodeFastSymlink(inode: SymlinkInode, opts: { ino: number; blockSize: number }): Uint8Array {
  if (symlinkStorage(inode, opts) !== 'fast') throw corrupt(opts.ino, 'not a fast symlink');
  return targetOf(iBlockBytes(inode.block), inode.size, opts.ino, 'i_block');
}

/** The target of a slow symlink, given its data block; checks i_block holds exactly one in-range block. */
export function decodeSlowSymlink(inode: SymlinkInode, data: Uint8Array, opts: { ino: number; blockSize: number; range?: BlockRange }): Uint8Array {
  if (symlinkStorage(inode, opts) !== 'slow') throw corrupt(opts.ino, 'not a slow symlink');
  const first = inode.block[0] ?? 0;
  if (first === 0) throw corrupt(opts.ino, 'i_block[0] is 0 on a slow symlink');
  const extra = inode.block.findIndex((b, i) => i > 0 && b !== 0);
  if (extra !== -1) throw corrupt(opts.ino, `i_block[${extra}] is ${inode.block[extra]}; a slow symlink has only i_block[0]`);
  if (opts.range !== undefined) checkBlockPointer(first, opts.range, { structure: `symlink inode ${opts.ino}`, location: 'i_block[0]' });
  return targetOf(data, inode.size, opts.ino, `block ${first}`);
}

function targetOf(area: Uint8Array, size: number, ino: number, where: string): Uint8Array {
  const nul = area.indexOf(0);
  const len = nul === -1 ? area.length : nul;
  if (len !== size) {
    throw corrupt(ino, `target in ${where} is ${nul === -1 ? 'not NUL-terminated' : `${len} bytes up to its NUL`} but i_size is ${size}`);
  }
  return area.slice(0, size);
}

/** i_block words for a fast symlink to `target` (1..59 bytes, no NUL); the rest is zero. */
export function encodeFastSymlink(target: Uint8Array): number[] {
  checkTarget(target, 1, FAST_SYMLINK_MAX);
  const area = new Uint8Array(FAST_SYMLINK_AREA);
  area.set(target);
  const view = viewOf(area);
  return Array.from({ length: N_BLOCKS }, (_, i) => view.getUint32(4 * i, true));
}

/** The data block of a slow symlink (targets of 60..bs-1 bytes): target then NUL padding. */
export function encodeSlowSymlinkBlock(target: Uint8Array, blockSize: number): Uint8Array {
  checkTarget(target, FAST_SYMLINK_AREA, blockSize - 1);
  const out = new Uint8Array(blockSize);
  out.set(target);
  return out;
}

function checkTarget(target: Uint8Array, min: number, max: number): void {
  if (target.length < min || target.length > max) {
    const code = target.length > max ? 'ENAMETOOLONG' : 'EINVAL';
    throw new FsError(code, `symlink target of ${target.length} bytes is outside ${min}..${max} for this storage`, { syscall: 'symlink' });
  }
  if (target.includes(0)) throw new FsError('EINVAL', 'symlink target contains a NUL byte', { syscall: 'symlink' });
}
