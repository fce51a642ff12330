// Pass 0, the ext3 journal (EXT2.md 1.6), checked the way e2fsck loads it
// before anything else (e2fsck_check_ext3_journal):
//
//   no journal fields at all          nothing to check
//   journal inode (s_journal_inum)    an in-use regular file of >= 1024 blocks,
//                                     mapped without holes up to i_size; if
//                                     not, the copy of its i_block kept in
//                                     s_jnl_blocks is tried instead
//   journal superblock (its block 0)  big-endian: magic 0xC03B3998, block
//                                     type 3 or 4, the filesystem's block
//                                     size, s_maxlen <= the inode's blocks,
//                                     0 < s_first < s_maxlen, no unknown
//                                     incompatible JBD2 feature
// A journal e2fsck cannot load stops it ("Cannot proceed"): an error here.
// Transactions left in the journal without needs_recovery, or a journal
// without has_journal, are only noted. The journal's blocks are claimed in
// pass 1 like any file's.
import { COMPAT, INCOMPAT } from '../format/features.js';
import { inodeGroupIndex, inodeTableSlot } from '../format/geometry.js';
import { DIND_BLOCK, IND_BLOCK, N_BLOCKS, NDIR_BLOCKS, S_IF, S_IFMT, TIND_BLOCK } from '../format/inode.js';
import type { CheckContext } from './check-context.js';
import { readInodeRecord } from './inode-record.js';

const JBD2_MAGIC = 0xc03b3998;
const JBD2_SUPERBLOCK_V1 = 3;
const JBD2_SUPERBLOCK_V2 = 4;
const JBD2_MIN_JOURNAL_BLOCKS = 1024;
/** JBD2 incompat features e2fsprogs 1.47 knows: revoke, 64bit, async_commit, csum v2, csum v3, fast_commit. */
const JBD2_KNOWN_INCOMPAT = 0x3f;
/** s_jnl_backup_type value meaning s_jnl_blocks holds i_block[0..14], i_size_high, i_size. */
const JNL_BACKUP_BLOCKS = 1;

/** The parts of a journal inode the loader looks at. */
interface JournalInode {
  readonly linksCount: number;
  readonly mode: number;
  readonly size: number;
  readonly block: readonly number[];
}

/** Checks the journal, if the superblock names one. */
export async function checkJournal(ctx: CheckContext): Promise<void> {
  const sb = ctx.sb;
  const hasJournal = (sb.featureCompat & COMPAT.has_journal) !== 0;
  const recover = (sb.featureIncompat & INCOMPAT.needs_recovery) !== 0;
  if (!hasJournal && !recover && sb.journalInum === 0 && sb.journalDev === 0) return;
  if (sb.journalInum === 0) {
    if (hasJournal) ctx.log.add('JOURNAL_INVALID', 'has_journal is set but s_journal_inum is 0; e2fsck cannot proceed');
    else if (recover) ctx.log.add('JOURNAL_INVALID', 'needs_recovery is set but there is no journal; e2fsck cannot proceed');
    return;
  }
  const ino = sb.journalInum;
  let inode = await readJournalInode(ctx, ino);
  let why = inode === undefined ? 'its inode cannot be read' : await unusableJournal(ctx, inode);
  if (why !== undefined && sb.jnlBackupType === JNL_BACKUP_BLOCKS) {
    const backup = backupJournalInode(sb.jnlBlocks);
    const backupWhy = await unusableJournal(ctx, backup);
    if (backupWhy === undefined) {
      ctx.log.add('JOURNAL_FLAGS_INCONSISTENT', `journal inode ${ino}: ${why}; its copy in s_jnl_blocks is sound and was used`, { ino });
      inode = backup;
      why = undefined;
    }
  }
  if (why !== undefined || inode === undefined) {
    ctx.log.add('JOURNAL_INVALID', `journal inode ${ino}: ${why ?? 'unreadable'}; e2fsck cannot proceed until the journal is repaired`, { ino });
    return;
  }
  const sbWhy = await journalSuperblockProblem(ctx, inode, recover);
  if (sbWhy !== undefined) {
    ctx.log.add('JOURNAL_INVALID', `journal superblock of inode ${ino}: ${sbWhy}; e2fsck cannot proceed until the journal is repaired`, { ino });
    return;
  }
  if (!hasJournal) ctx.log.add('JOURNAL_FLAGS_INCONSISTENT', `inode ${ino} holds a journal but has_journal is clear`, { ino });
}

async function readJournalInode(ctx: CheckContext, ino: number): Promise<JournalInode | undefined> {
  const g = ctx.g;
  if (ino > g.inodesCount) return undefined;
  const { group, index } = inodeGroupIndex(g, ino);
  const d = ctx.descriptors[group];
  if (d === undefined || !ctx.usable[group]?.inodeTable) return undefined;
  const { block, offset } = inodeTableSlot(g, d.inodeTable, index);
  const r = readInodeRecord(await ctx.reader.readBlock(block), offset, g.inodeSize, ino);
  return { linksCount: r.linksCount, mode: r.mode, size: r.sizeHigh * 2 ** 32 + r.sizeLow, block: r.block };
}

/** The inode e2fsck rebuilds from s_jnl_blocks: i_block[0..14], then i_size_high, i_size. */
function backupJournalInode(words: readonly number[]): JournalInode {
  return { linksCount: 1, mode: S_IF.REG | 0o600, size: (words[15] ?? 0) * 2 ** 32 + (words[16] ?? 0), block: words.slice(0, N_BLOCKS) };
}

/** Why the loader would reject this journal inode, or undefined. */
async function unusableJournal(ctx: CheckContext, inode: JournalInode): Promise<string | undefined> {
  const bs = ctx.g.blockSize;
  if (inode.linksCount === 0 || (inode.mode & S_IFMT) !== S_IF.REG) return `links ${inode.linksCount}, mode 0${inode.mode.toString(8)}: not an in-use regular file`;
  if (inode.size / bs < JBD2_MIN_JOURNAL_BLOCKS) return `i_size ${inode.size} is under ${JBD2_MIN_JOURNAL_BLOCKS} blocks`;
  const needed = Math.ceil(inode.size / bs);
  const mapped = await mappedPrefix(ctx, inode.block, needed);
  if (mapped < needed) return `only its first ${mapped} blocks are mapped, i_size is ${inode.size}`;
  return undefined;
}

/**
 * How many logical blocks from 0 are mapped by valid pointers before the
 * first hole (e2fsck's process_journal_block), counting no further than
 * `needed` (which also bounds the reads).
 */
async function mappedPrefix(ctx: CheckContext, iblock: readonly number[], needed: number): Promise<number> {
  let count = 0;
  const ok = (b: number): boolean => b !== 0 && ctx.inRange(b);
  for (let i = 0; i < NDIR_BLOCKS; i++) {
    if (count >= needed) return count;
    if (!ok(iblock[i] ?? 0)) return count;
    count++;
  }
  const apb = ctx.g.addressesPerBlock;
  const walk = async (ptr: number, depth: number): Promise<boolean> => {
    if (count >= needed || !ok(ptr)) return false;
    const view = new DataView((await ctx.reader.readBlock(ptr)).buffer);
    for (let i = 0; i < apb; i++) {
      if (count >= needed) return false;
      const child = view.getUint32(4 * i, true);
      if (depth === 1) {
        if (!ok(child)) return false;
        count++;
      } else if (!(await walk(child, depth - 1))) {
        return false;
      }
    }
    return true;
  };
  if (!(await walk(iblock[IND_BLOCK] ?? 0, 1))) return count;
  if (!(await walk(iblock[DIND_BLOCK] ?? 0, 2))) return count;
  await walk(iblock[TIND_BLOCK] ?? 0, 3);
  return count;
}

/** Why the journal superblock cannot be loaded, or undefined (noting leftover transactions). */
async function journalSuperblockProblem(ctx: CheckContext, inode: JournalInode, recover: boolean): Promise<string | undefined> {
  const first = inode.block[0] ?? 0;
  const view = new DataView((await ctx.reader.readBlock(first)).buffer);
  const magic = view.getUint32(0, false);
  const type = view.getUint32(4, false);
  const blockSize = view.getUint32(12, false);
  const maxLen = view.getUint32(16, false);
  const firstLog = view.getUint32(20, false);
  const start = view.getUint32(28, false);
  const totalLen = Math.floor(inode.size / ctx.g.blockSize);
  if (magic !== JBD2_MAGIC) return `block ${first} does not start with the JBD2 magic (found 0x${magic.toString(16)})`;
  if (type !== JBD2_SUPERBLOCK_V1 && type !== JBD2_SUPERBLOCK_V2) return `block type ${type} is not 3 or 4`;
  if (type === JBD2_SUPERBLOCK_V2 && (view.getUint32(40, false) & ~JBD2_KNOWN_INCOMPAT) !== 0) return `unknown incompatible JBD2 features 0x${view.getUint32(40, false).toString(16)}`;
  if (blockSize !== ctx.g.blockSize) return `block size ${blockSize} differs from the filesystem's ${ctx.g.blockSize}`;
  if (maxLen > totalLen) return `s_maxlen ${maxLen} exceeds the journal inode's ${totalLen} blocks`;
  if (firstLog === 0 || firstLog >= Math.min(maxLen, totalLen)) return `s_first ${firstLog} is outside 1..${Math.min(maxLen, totalLen) - 1}`;
  if (start !== 0 && !recover) {
    ctx.log.add('JOURNAL_NEEDS_RECOVERY', `the journal holds transactions (s_start ${start}) but needs_recovery is clear; e2fsck ignores them`, { ino: ctx.sb.journalInum });
  }
  return undefined;
}
