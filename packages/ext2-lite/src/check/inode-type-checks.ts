// Pass 1, per-type rules for an in-use inode (EXT2.md 3.3-3.7), in the form
// e2fsck applies them:
//   devices, FIFOs, sockets  no INDEX/EXTENTS flag; with IMMUTABLE/APPEND,
//                            i_block[4..14] must be 0 (e2fsck_pass1_check_device_inode)
//   symlinks                 0 < i_size, i_size_high 0, no INDEX flag; fast
//                            (i_size < 60): the text in i_block; slow: one
//                            data block in i_block[0]; either way strnlen of
//                            the text equals i_size (e2fsck_pass1_check_symlink)
//   anything with blocks     i_block holds block numbers only for regular
//                            files, directories and slow symlinks
//                            (ext2fs_inode_has_valid_blocks2)
import { INODE_FLAGS, N_BLOCKS, S_IF } from '../format/inode.js';
import { iBlockBytes, FAST_SYMLINK_AREA } from '../format/symlink.js';
import type { CheckContext } from './check-context.js';
import { fullSize, modeType, type InodeRecord } from './inode-record.js';

/** ext4's encrypted-inode flag: e2fsck reads a symlink target's length from its first two bytes. */
const ENCRYPT_FL = 0x800;

/** True for a device/FIFO/socket inode e2fsck accepts. */
export function specialInodeValid(inode: InodeRecord): boolean {
  if ((inode.flags & (INODE_FLAGS.INDEX | INODE_FLAGS.EXTENTS)) !== 0) return false;
  if ((inode.flags & (INODE_FLAGS.IMMUTABLE | INODE_FLAGS.APPEND)) !== 0) {
    for (let i = 4; i < N_BLOCKS; i++) if ((inode.block[i] ?? 0) !== 0) return false;
  }
  return true;
}

/** ext2fs_is_fast_symlink: a symlink whose size (0 < size < 60) keeps the text in i_block. */
export function isFastSymlink(inode: InodeRecord): boolean {
  const size = fullSize(inode);
  return modeType(inode.mode) === S_IF.LNK && size > 0 && size < FAST_SYMLINK_AREA;
}

/** True when the symlink's target is where its size says and as long as its size. */
export async function symlinkValid(ctx: CheckContext, inode: InodeRecord): Promise<boolean> {
  if (inode.sizeHigh !== 0 || inode.sizeLow === 0 || (inode.flags & (INODE_FLAGS.INDEX | INODE_FLAGS.INLINE_DATA | INODE_FLAGS.EXTENTS)) !== 0) return false;
  let text: Uint8Array;
  if (isFastSymlink(inode)) {
    text = iBlockBytes(inode.block);
  } else {
    const blk = inode.block[0] ?? 0;
    if (inode.block.some((b, i) => i > 0 && b !== 0)) return false;
    if (!ctx.inRange(blk)) return false;
    text = await ctx.reader.readBlock(blk);
  }
  const nul = text.indexOf(0);
  const len = (inode.flags & ENCRYPT_FL) !== 0 ? (text[0] ?? 0) + ((text[1] ?? 0) << 8) + 2 : nul === -1 ? text.length : nul;
  return len < text.length && len === inode.sizeLow;
}

/** ext2fs_inode_has_valid_blocks2: whether i_block holds block numbers to walk. */
export function hasValidBlocks(inode: InodeRecord): boolean {
  const type = modeType(inode.mode);
  if (type !== S_IF.DIR && type !== S_IF.REG && type !== S_IF.LNK) return false;
  if (type === S_IF.LNK) {
    if (inode.fileAcl === 0) {
      if (inode.blocks === 0) return false;
    } else {
      if (inode.sizeLow >= FAST_SYMLINK_AREA) return true;
      if (inode.sizeLow > 4 && (inode.block[1] ?? 0) === 0) return true;
      return false;
    }
  }
  return (inode.flags & INODE_FLAGS.INLINE_DATA) === 0;
}

/**
 * e2fsck's check_is_really_dir: an inode whose type is neither directory,
 * regular file nor symlink but whose first block starts with valid '.' and
 * '..' entries was probably a directory whose mode got damaged.
 */
export async function looksLikeDirectory(ctx: CheckContext, inode: InodeRecord): Promise<boolean> {
  const type = modeType(inode.mode);
  const first = inode.block[0] ?? 0;
  if (type === S_IF.DIR || type === S_IF.REG || type === S_IF.LNK || first === 0) return false;
  let notDevice = false;
  for (let i = 0; i < N_BLOCKS; i++) {
    const b = inode.block[i] ?? 0;
    if (b === 0) continue;
    if (i >= 4) notDevice = true;
    if (!ctx.inRange(b) || ctx.blockFound.has(b)) return false;
  }
  if ((type === S_IF.CHR || type === S_IF.BLK) && inode.linksCount === 1 && !notDevice) return false;
  const data = await ctx.reader.readBlock(first);
  const view = new DataView(data.buffer);
  const bs = ctx.g.blockSize;
  const dotLen = view.getUint16(4, true);
  if (data[6] !== 1 || data[8] !== 0x2e || view.getUint32(0, true) !== inode.ino || dotLen < 12 || dotLen % 4 !== 0 || dotLen >= bs - 12) return false;
  const dotdotLen = view.getUint16(dotLen + 4, true);
  return data[dotLen + 6] === 2 && data[dotLen + 8] === 0x2e && data[dotLen + 9] === 0x2e && dotdotLen >= 12 && dotdotLen % 4 === 0;
}

/**
 * e2fsck's handle_htree for an inode with INDEX_FL: the problems of its
 * dx_root_info in block 0 (EXT2.md 4.6), empty when it looks sound.
 */
export async function htreeRootProblems(ctx: CheckContext, inode: InodeRecord): Promise<string[]> {
  const problems: string[] = [];
  if (modeType(inode.mode) !== S_IF.DIR) problems.push('INDEX_FL is set on an inode that is not a directory');
  if (!ctx.features.dirIndex) problems.push('INDEX_FL is set but the filesystem lacks dir_index');
  const root = inode.block[0] ?? 0;
  if (root === 0 || !ctx.inRange(root)) {
    problems.push(`its block 0 (${root}) cannot hold an htree root`);
    return problems;
  }
  const data = await ctx.reader.readBlock(root);
  const reservedZero = new DataView(data.buffer).getUint32(24, true);
  const [hashVersion, infoLength, indirectLevels, unusedFlags] = [data[28] ?? 0, data[29] ?? 0, data[30] ?? 0, data[31] ?? 0];
  if (reservedZero !== 0 || infoLength < 8) problems.push(`dx_root_info is invalid (reserved_zero ${reservedZero}, info_length ${infoLength})`);
  if (hashVersion > 2) problems.push(`dx_root_info.hash_version ${hashVersion} is not legacy, half_md4 or tea`);
  if ((unusedFlags & 1) !== 0) problems.push('dx_root_info.unused_flags has the incompatible flag');
  if (indirectLevels > 2) problems.push(`dx_root_info.indirect_levels ${indirectLevels} is too deep`);
  return problems;
}
