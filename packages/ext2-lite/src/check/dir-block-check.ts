// Pass 2, one directory block (EXT2.md 4.1-4.4), entry by entry in e2fsck's
// order (check_dir_block):
//
//   rec_len >= 12, a multiple of 4, inside the block, >= (name_len + 11) & ~3
//     else the block is corrupted and the rest of it cannot be read
//   block 0: entry 1 is '.' naming the directory, entry 2 is '..'
//   an entry's inode: root or >= s_first_ino, <= s_inodes_count, in use; no
//     further '.'/'..', no link to the root, no empty name, no '/' or NUL
//   file_type: matches the inode's mode (0 is only a warning), 0 without filetype
//   a directory named by a second entry is a hard link to a directory
//   two entries of one block with the same name
// Every accepted entry counts one reference to its inode (pass 4).
import { decodeUtf8 } from '../format/fields.js';
import { FILE_TYPE, fileTypeFromMode, recLenFromDisk } from '../format/dir-entry.js';
import { inodeGroupIndex, inodeTableSlot } from '../format/geometry.js';
import { BG_FLAGS } from '../format/group-descriptor.js';
import { INODE_FIELDS, ROOT_INO } from '../format/inode.js';
import type { CheckContext, DirBlockRef } from './check-context.js';
import type { ProblemSite } from './check-report.js';
import type { HtreeCheck } from './htree-check.js';

/** The first entry named lost+found in the root directory, in logical order. */
export interface LostAndFound {
  readonly ino: number;
  readonly lblk: number;
  readonly offset: number;
}

/** State pass 2 keeps across the blocks of all directories. */
export interface DirScan {
  /** Directories where a duplicate name was already found (e2fsck then rebuilds the whole directory). */
  readonly withDuplicates: Set<number>;
  lostAndFound: LostAndFound | undefined;
}

const LOST_AND_FOUND = 'lost+found';

interface Entry {
  readonly offset: number;
  readonly inode: number;
  readonly recLen: number;
  readonly nameLen: number;
  readonly fileType: number;
  readonly name: Uint8Array;
}

/** A printable form of an entry name for messages. */
function show(name: Uint8Array): string {
  const printable = name.subarray(0, 64).map((c) => (c < 0x20 || c === 0x7f ? 0x3f : c));
  return `'${decodeUtf8(printable)}${name.length > 64 ? '…' : ''}'`;
}

const isDot = (e: Entry): boolean => e.nameLen === 1 && e.name[0] === 0x2e;
const isDotDot = (e: Entry): boolean => e.nameLen === 2 && e.name[0] === 0x2e && e.name[1] === 0x2e;

/** Checks the entries of one directory block. */
export async function checkDirBlock(ctx: CheckContext, scan: DirScan, ref: DirBlockRef, data: Uint8Array, htree: HtreeCheck | undefined): Promise<void> {
  const { ino, lblk, pblk } = ref;
  const bs = data.length;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const where = (offset: number): string => `directory inode ${ino}, block ${lblk} (device block ${pblk}), byte ${offset}`;
  const indexed = htree !== undefined && htree.beginBlock(lblk, data);
  const names = new Set<string>();
  let dotState = lblk === 0 ? 0 : 2;
  for (let offset = 0; offset < bs; dotState++) {
    const recLen = recLenFromDisk(view.getUint16(offset + 4, true), bs);
    const nameLen = data[offset + 6] as number;
    if (offset + recLen > bs || recLen < 12 || recLen % 4 !== 0 || ((nameLen + 11) & ~3) > recLen) {
      ctx.log.add('DIRECTORY_CORRUPTED', `${where(offset)}: directory corrupted (rec_len ${recLen}, name_len ${nameLen}, ${bs - offset} bytes left in the block); the rest of the block is unreadable, so link counts and connectivity are not checked`, { ino, block: pblk });
      ctx.directoriesIncomplete = true;
      return;
    }
    const e: Entry = {
      offset,
      inode: view.getUint32(offset, true),
      recLen,
      nameLen,
      fileType: data[offset + 7] as number,
      name: data.subarray(offset + 8, offset + 8 + nameLen),
    };
    offset += recLen;
    if (dotState === 0) checkDot(ctx, e, ino, data, where);
    else if (dotState === 1) checkDotDot(ctx, e, ino, data, where);
    else if (e.inode === ino) ctx.log.add('ENTRY_INODE_INVALID', `${where(e.offset)}: entry ${show(e.name)} is a link to '.' (the directory itself)`, { ino, block: pblk });
    if (e.inode === 0) continue;
    if (ino === ROOT_INO && dotState > 1) noteLostAndFound(scan, e, lblk);
    if (!(await checkEntryInode(ctx, e, dotState, where, { ino, block: pblk }))) continue;
    if (indexed) htree.addName(lblk, e.name);
    if (dotState > 1 && ctx.inodeDir.has(e.inode)) {
      const info = ctx.dirInfo.get(e.inode);
      if (info !== undefined && info.parent !== 0) {
        ctx.log.add('DIRECTORY_HARD_LINK', `${where(e.offset)}: entry ${show(e.name)} is a second link to directory inode ${e.inode} (first named from directory ${info.parent})`, { ino, block: pblk });
      } else if (info !== undefined) {
        info.parent = ino;
      }
    }
    if (!scan.withDuplicates.has(ino)) {
      const key = String.fromCharCode(...e.name);
      if (names.has(key)) {
        scan.withDuplicates.add(ino);
        ctx.log.add('ENTRY_DUPLICATE_NAME', `${where(e.offset)}: a second entry named ${show(e.name)} in the same block`, { ino, block: pblk });
      }
      names.add(key);
    }
    ctx.referenced.set(e.inode, (ctx.referenced.get(e.inode) ?? 0) + 1);
  }
  if (indexed) htree.endBlock(lblk, data);
}

function noteLostAndFound(scan: DirScan, e: Entry, lblk: number): void {
  if (e.nameLen !== LOST_AND_FOUND.length || String.fromCharCode(...e.name) !== LOST_AND_FOUND) return;
  const seen = scan.lostAndFound;
  if (seen === undefined || lblk < seen.lblk || (lblk === seen.lblk && e.offset < seen.offset)) scan.lostAndFound = { ino: e.inode, lblk, offset: e.offset };
}

/** The first entry of block 0 must be '.' naming the directory (e2fsck check_dot). */
function checkDot(ctx: CheckContext, e: Entry, ino: number, data: Uint8Array, where: (o: number) => string): void {
  const say = (what: string): void => ctx.log.add('DOT_ENTRY_INVALID', `${where(e.offset)}: ${what}`, { ino });
  if (e.inode === 0) say("the first entry should be '.' but is unused");
  else if (!isDot(e)) say(`the first entry should be '.' but is ${show(e.name)}`);
  else if (data[e.offset + 9] !== 0) say("the '.' entry is not NUL-padded");
  if (e.inode !== ino) say(`'.' names inode ${e.inode}, not the directory ${ino}`);
  if (e.recLen > 24) ctx.log.add('DOT_ENTRY_TOO_BIG', `${where(e.offset)}: the '.' entry has rec_len ${e.recLen}; e2fsck -fy would split it`, { ino });
}

/** The second entry of block 0 must be '..' (its target is checked in pass 3). */
function checkDotDot(ctx: CheckContext, e: Entry, ino: number, data: Uint8Array, where: (o: number) => string): void {
  const say = (what: string): void => ctx.log.add('DOTDOT_ENTRY_INVALID', `${where(e.offset)}: ${what}`, { ino });
  if (e.inode === 0) say("the second entry should be '..' but is unused");
  else if (!isDotDot(e)) say(`the second entry should be '..' but is ${show(e.name)}`);
  else if (data[e.offset + 10] !== 0) say("the '..' entry is not NUL-padded");
  else {
    const info = ctx.dirInfo.get(ino);
    if (info !== undefined) info.dotdot = e.inode;
  }
}

/**
 * The checks on what an entry names. Returns false when the entry is
 * skipped from here on (an inode number outside the legal range).
 */
async function checkEntryInode(ctx: CheckContext, e: Entry, dotState: number, where: (o: number) => string, site: ProblemSite): Promise<boolean> {
  const g = ctx.g;
  const at = where(e.offset);
  const say = (code: 'ENTRY_INODE_INVALID' | 'ENTRY_UNUSED_INODE' | 'ENTRY_NAME_INVALID', what: string): void => ctx.log.add(code, `${at}: entry ${show(e.name)} ${what}`, site);
  if ((e.inode !== ROOT_INO && e.inode < g.firstIno) || e.inode > g.inodesCount) {
    say('ENTRY_INODE_INVALID', `names inode ${e.inode}, which no entry may name (reserved or past s_inodes_count ${g.inodesCount})`);
    return false;
  }
  if (dotState > 1 && isDot(e)) say('ENTRY_INODE_INVALID', "is a second '.' entry");
  else if (dotState > 1 && isDotDot(e)) say('ENTRY_INODE_INVALID', "is a second '..' entry");
  else if (dotState > 1 && e.inode === ROOT_INO) say('ENTRY_INODE_INVALID', 'is a link to the root directory');
  else if (dotState > 1 && e.nameLen === 0) say('ENTRY_NAME_INVALID', 'has an empty name');
  // bg_itable_unused only means something with checksums (which this checker
  // refuses); an INODE_UNINIT flag is honoured by e2fsck even without them.
  const { group } = inodeGroupIndex(g, e.inode);
  if (((ctx.descriptors[group]?.flags ?? 0) & BG_FLAGS.INODE_UNINIT) !== 0) {
    say('ENTRY_INODE_INVALID', `names inode ${e.inode} in group ${group}, which is marked INODE_UNINIT`);
  }
  if (!ctx.inodeUsed.has(e.inode)) say('ENTRY_UNUSED_INODE', `names inode ${e.inode}, which is not in use`);
  if (e.name.some((c) => c === 0 || c === 0x2f)) say('ENTRY_NAME_INVALID', "contains '/' or NUL");
  await checkFileType(ctx, e, at, site);
  return true;
}

/** The dirent file_type against the inode's mode (e2fsck check_filetype). */
async function checkFileType(ctx: CheckContext, e: Entry, at: string, site: ProblemSite): Promise<void> {
  if (!ctx.features.filetype) {
    if (e.fileType !== 0) ctx.log.add('ENTRY_FILE_TYPE_WRONG', `${at}: entry ${show(e.name)} has file_type ${e.fileType} but the filesystem lacks the filetype feature`, site);
    return;
  }
  let shouldBe: number;
  if (ctx.inodeDir.has(e.inode)) shouldBe = FILE_TYPE.DIR;
  else if (ctx.inodeReg.has(e.inode)) shouldBe = FILE_TYPE.REG_FILE;
  else if (ctx.inodeBad.has(e.inode)) shouldBe = FILE_TYPE.UNKNOWN;
  else shouldBe = fileTypeFromMode(ctx.otherModes.get(e.inode) ?? (await modeOnDisk(ctx, e.inode)));
  if (e.fileType === shouldBe) return;
  if (e.fileType === 0) {
    ctx.log.add('ENTRY_FILE_TYPE_MISSING', `${at}: entry ${show(e.name)} has file_type 0, should be ${shouldBe}`, site);
  } else {
    ctx.log.add('ENTRY_FILE_TYPE_WRONG', `${at}: entry ${show(e.name)} has file_type ${e.fileType}, should be ${shouldBe}`, site);
  }
}

/** i_mode of an inode pass 1 did not keep (free or reserved), read from its table. */
async function modeOnDisk(ctx: CheckContext, ino: number): Promise<number> {
  const { group, index } = inodeGroupIndex(ctx.g, ino);
  const d = ctx.descriptors[group];
  if (d === undefined || !ctx.usable[group]?.inodeTable) return 0;
  const { block, offset } = inodeTableSlot(ctx.g, d.inodeTable, index);
  const data = await ctx.reader.readBlock(block);
  return new DataView(data.buffer).getUint16(offset + INODE_FIELDS.mode.offset, true);
}
