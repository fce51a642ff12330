// Pass 4: reference counts (EXT2.md 4.5). For every in-use inode except the
// reserved ones (the root is checked), i_links_count must equal the directory
// entries pass 2 counted for it ('.' and each subdirectory's '..' included,
// so a directory has 2 + subdirectories). An inode no entry names is
// unattached (e2fsck would reconnect it to /lost+found). With dir_nlink, a
// directory past 65000 links stores 1.
import { S_IF } from '../format/inode.js';
import { ROOT_INO } from '../format/inode.js';
import type { CheckContext } from './check-context.js';

/** e2fsprogs' EXT2_LINK_MAX: beyond it a directory's count is not kept. */
const LINK_MAX = 65000;

/** Runs pass 4. */
export function pass4Links(ctx: CheckContext): void {
  const inos = [...ctx.linkCount.keys()].sort((a, b) => a - b);
  for (const ino of inos) {
    if (ino !== ROOT_INO && ino < ctx.g.firstIno) continue;
    if (!ctx.inodeUsed.has(ino) || ctx.imagicInodes.has(ino)) continue;
    const stored = ctx.linkCount.get(ino) as number;
    let counted = ctx.referenced.get(ino) ?? 0;
    if (counted === 0) {
      const mode = ctx.otherModes.get(ino);
      const kind = ctx.inodeDir.has(ino) ? 'directory' : ctx.inodeReg.has(ino) ? 'file' : mode !== undefined && (mode & 0xf000) === S_IF.LNK ? 'symlink' : 'inode';
      ctx.log.add('INODE_UNATTACHED', `${kind} inode ${ino} is in use (links ${stored}) but no directory entry names it`, { ino });
      continue;
    }
    const isDir = ctx.inodeDir.has(ino);
    if (isDir && counted > LINK_MAX) {
      if (!ctx.features.dirNlink) {
        ctx.log.add('LINK_COUNT_WRONG', `directory inode ${ino} has ${counted} links, more than ${LINK_MAX}, without the dir_nlink feature`, { ino });
      }
      counted = 1;
    }
    if (counted !== stored) ctx.log.add('LINK_COUNT_WRONG', `inode ${ino}: i_links_count is ${stored}, but ${counted} directory entries name it`, { ino });
  }
}
