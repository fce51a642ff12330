// Pass 3: the directory tree (EXT2.md 4.4, 6.2). The root must be an
// allocated directory; every other directory must reach the root through the
// parents pass 2 recorded (the directory whose entry named it first); each
// directory's '..' must name that parent. /lost+found is looked up like
// e2fsck does, but its absence is only a warning: e2fsck -fn says nothing
// about it and a repairing e2fsck recreates it.
//
// The walk follows e2fsck's check_directory: it stops at the first directory
// already known to be connected (or already walked), so every directory is
// visited once and a chain is reported at its top, where the parent is
// missing.
import { ROOT_INO } from '../format/inode.js';
import type { CheckContext } from './check-context.js';

import type { LostAndFound } from './dir-block-check.js';

/** Runs pass 3. Returns false when the root is unusable (e2fsck stops there). */
export function pass3Connectivity(ctx: CheckContext, lostAndFound: LostAndFound | undefined): boolean {
  if (!ctx.inodeUsed.has(ROOT_INO)) {
    ctx.log.add('ROOT_NOT_ALLOCATED', 'the root directory (inode 2) is not in use (links_count 0)', { ino: ROOT_INO });
    return false;
  }
  if (!ctx.inodeDir.has(ROOT_INO)) return false;
  const done = new Set<number>([ROOT_INO]);
  const dirs = [...ctx.dirInfo.keys()].filter((d) => d !== ROOT_INO).sort((a, b) => a - b);
  for (const dir of dirs) {
    for (let ino = dir; !done.has(ino); ) {
      done.add(ino);
      const parent = ctx.dirInfo.get(ino)?.parent ?? 0;
      if (parent === 0) {
        const up = ctx.dirInfo.get(ino)?.dotdot ?? 0;
        ctx.log.add('DIRECTORY_UNCONNECTED', `directory inode ${ino} is not named by any directory entry ('..' says ${up}); it is cut off from the root`, { ino });
        break;
      }
      ino = parent;
    }
    const info = ctx.dirInfo.get(dir);
    if (info !== undefined && info.dotdot !== info.parent) {
      ctx.log.add('DOTDOT_WRONG', `'..' of directory inode ${dir} names inode ${info.dotdot}, but its entry is in directory ${info.parent}`, { ino: dir });
    }
  }
  checkLostAndFound(ctx, lostAndFound);
  return true;
}

function checkLostAndFound(ctx: CheckContext, lostAndFound: LostAndFound | undefined): void {
  if (lostAndFound === undefined) {
    ctx.log.add('LOST_FOUND_MISSING', '/lost+found does not exist; e2fsck -fy would create it (it needs it to reconnect lost files)');
  } else if (!ctx.inodeDir.has(lostAndFound.ino)) {
    ctx.log.add('LOST_FOUND_MISSING', `/lost+found (inode ${lostAndFound.ino}) is not a directory; e2fsck -fy would replace it`, { ino: lostAndFound.ino });
  }
}
