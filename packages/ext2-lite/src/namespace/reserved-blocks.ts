// Who may allocate from the reserved blocks (s_r_blocks_count, EXT2.md 2.6):
// uid 0, the superblock's s_def_resuid, or members of s_def_resgid — the
// kernel's ext2_has_free_blocks rule. Namespace operations allocate on
// behalf of the inode's owner (the VFS hands no caller credentials to
// setxattr or symlink's block).
import type { MountContext } from '../mount/mount-context.js';

/** True when an owner `uid`/`gid` may dip into the reserved blocks. */
export function mayUseReservedBlocks(ctx: MountContext, uid: number, gid: number): boolean {
  const sb = ctx.vol.sb;
  return uid === 0 || uid === sb.defResuid || (gid !== 0 && gid === sb.defResgid);
}
