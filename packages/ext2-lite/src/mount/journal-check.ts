// Writing to an ext3 image as ext2 (EXT2.md 1.6): allowed only while its
// journal holds nothing to replay. The journal inode (s_journal_inum, 8)
// starts with a JBD2 superblock — big-endian, magic 0xC03B3998 at 0x0,
// s_start at 0x1C, 0 when the journal is empty. Writes made without the
// journal are then safe for a later ext3/ext4 mount.
import { CorruptFilesystemError, FsError } from '@iomap/core';
import { decodeInode, JOURNAL_INO } from '../format/inode.js';
import type { InodeTable } from '../inode/inode-table.js';
import { checkFileBlock, withBlock, type Volume } from './volume.js';

const JBD2_MAGIC = 0xc03b3998;
const JBD2_S_START = 0x1c;

/** Throws EROFS unless the journal of an ext3 image is empty. Precondition: has_journal is set. */
export async function requireEmptyJournal(vol: Volume, inodes: InodeTable): Promise<void> {
  const g = vol.geometry;
  const ino = vol.sb.journalInum === 0 ? JOURNAL_INO : vol.sb.journalInum;
  if (vol.sb.journalInum === 0 && vol.sb.journalDev !== 0) {
    throw new FsError('EROFS', 'the journal is on an external device (s_journal_dev); cannot check it is empty, mount read-only', { syscall: 'mount' });
  }
  const { block, offset } = inodes.slot(ino);
  const raw = await withBlock(vol, block, (data) => data.slice(offset, offset + g.inodeSize));
  const journal = decodeInode(raw, { ino, inodeSize: g.inodeSize, blockSize: g.blockSize });
  const first = journal.block[0] ?? 0;
  if (first === 0) throw new CorruptFilesystemError({ structure: `journal inode ${ino}`, location: 'i_block[0]' }, 'the journal has no first block');
  checkFileBlock(vol, first, { structure: `journal inode ${ino}`, location: 'i_block[0]' });
  const { magic, start } = await withBlock(vol, first, (data) => {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return { magic: view.getUint32(0, false), start: view.getUint32(JBD2_S_START, false) };
  });
  if (magic !== JBD2_MAGIC) {
    throw new CorruptFilesystemError({ structure: `journal inode ${ino}`, location: `block ${first}` }, `journal superblock magic 0x${magic.toString(16)} is not JBD2's 0xc03b3998`);
  }
  if (start !== 0) {
    throw new FsError('EROFS', `the ext3 journal holds transactions to replay (s_start ${start}); run e2fsck or mount it with Linux first, or mount read-only`, { syscall: 'mount' });
  }
}
