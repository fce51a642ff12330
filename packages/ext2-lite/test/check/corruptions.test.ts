// Named corruptions made with debugfs (and byte patches), one per rule of
// EXT2.md 6.2: check() names the problem with its stable code, and agrees
// with `e2fsck -fn` on clean vs not clean — errors where e2fsck exits non-zero,
// warnings only where e2fsck still exits 0 (its "no is OK" problems).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImage, codes, debugfs, debugfsQuery, describe as dump, e2fsck, haveE2fsprogs, mkfs, scratchDir, SPECIAL_FILES, writeTree } from './support.js';

const suite = haveE2fsprogs('ext2-lite check: corruptions') ? describe : describe.skip;

/** Facts about the base image the cases aim at. */
interface Layout {
  readonly bs: number;
  ino(path: string): number;
  block(path: string, lblk: number): number;
  fileAcl(path: string): number;
  /** Byte offset (inside the directory's block 0) of the entry `name`. */
  entry(dir: string, name: string): number;
  readonly blockBitmap0: number;
  readonly inodeBitmap0: number;
  readonly firstReservedGdt: number;
  readonly freeInode: number;
  readonly freeBlock: number;
}

interface Case {
  readonly name: string;
  /** debugfs commands, or a byte patch of the image. */
  readonly apply: (img: string, l: Layout) => void;
  /** Codes the report must contain. */
  readonly expect: readonly string[];
  /** e2fsck -fn exit status is 0 and check() is clean (only warnings). */
  readonly clean?: boolean;
  /** Start from a fresh mke2fs image instead of the populated one. */
  readonly fresh?: boolean;
}

const cmd =
  (...commands: Array<string | ((l: Layout) => string)>) =>
  (img: string, l: Layout): void => {
    debugfs(
      img,
      commands.map((c) => (typeof c === 'string' ? c : c(l))),
    );
  };

/** Writes `bytes` at byte `pos` of the image. */
function patch(img: string, pos: number, bytes: number[]): void {
  const data = readFileSync(img);
  data.set(bytes, pos);
  writeFileSync(img, data);
}

const CASES: Case[] = [
  // Pass 5 (EXT2.md 2.5, 2.6)
  { name: 'a used block cleared in the bitmap (freeb)', apply: cmd((l) => `freeb ${l.block('dir0/file3', 0)}`), expect: ['BLOCK_BITMAP_DIFFERENCE', 'GROUP_FREE_BLOCKS_WRONG'] },
  { name: 'a free block set in the bitmap (setb)', apply: cmd((l) => `setb ${l.freeBlock}`), expect: ['BLOCK_BITMAP_DIFFERENCE'] },
  { name: 'a free inode set in the bitmap (seti)', apply: cmd((l) => `seti <${l.freeInode}>`), expect: ['INODE_BITMAP_DIFFERENCE'] },
  { name: 'reserved GDT blocks cleared in the bitmap (freeb)', apply: cmd((l) => `freeb ${l.firstReservedGdt} 4`), expect: ['BLOCK_BITMAP_DIFFERENCE'] },
  { name: 'a group free-blocks count off (set_bg)', apply: cmd('set_bg 0 free_blocks_count 17'), expect: ['GROUP_FREE_BLOCKS_WRONG'] },
  { name: 'a group free-inodes count off (set_bg)', apply: cmd('set_bg 0 free_inodes_count 17'), expect: ['GROUP_FREE_INODES_WRONG'] },
  { name: 'a group directory count off (set_bg)', apply: cmd('set_bg 0 used_dirs_count 1'), expect: ['GROUP_DIRECTORIES_WRONG'] },
  { name: 'inode bitmap padding cleared', apply: (img, l) => patch(img, l.inodeBitmap0 * l.bs + l.bs - 1, [0]), expect: ['INODE_BITMAP_PADDING'] },
  { name: 'the superblock free-blocks total off: a warning, as for e2fsck', apply: cmd('ssv free_blocks_count 100'), expect: ['FREE_BLOCKS_COUNT_WRONG'], clean: true },
  { name: 'the superblock free-inodes total off: a warning, as for e2fsck', apply: cmd('ssv free_inodes_count 7'), expect: ['FREE_INODES_COUNT_WRONG'], clean: true },
  // Pass 4 (EXT2.md 4.5)
  { name: 'a file link count too high (sif links_count)', apply: cmd('sif dir0/file3 links_count 2'), expect: ['LINK_COUNT_WRONG'] },
  { name: 'a directory link count off (sif links_count)', apply: cmd('sif dir0 links_count 7'), expect: ['LINK_COUNT_WRONG'] },
  { name: 'an extra hard link without the count (debugfs link)', apply: cmd('link dir0/file3 extra-name'), expect: ['LINK_COUNT_WRONG'] },
  { name: 'an entry removed without freeing the inode (unlink)', apply: cmd('unlink dir0/file3'), expect: ['INODE_UNATTACHED'] },
  // Pass 3 (EXT2.md 4.4)
  { name: "a subdirectory's '..' pointing at the root", apply: (img, l) => patch(img, l.block('dir0/sub', 0) * l.bs + 12, [2, 0, 0, 0]), expect: ['DOTDOT_WRONG', 'LINK_COUNT_WRONG'] },
  { name: 'a second entry naming a directory (link dir)', apply: cmd('link dir0/sub dir-alias'), expect: ['DIRECTORY_HARD_LINK'] },
  { name: 'lost+found removed: only a warning, e2fsck -fn is silent', apply: cmd('rmdir lost+found'), expect: ['LOST_FOUND_MISSING'], clean: true },
  // Pass 2 (EXT2.md 4.1-4.3)
  { name: 'a rec_len that is not a multiple of 4', apply: (img, l) => patch(img, l.block('dir0', 0) * l.bs + l.entry('dir0', 'file3') + 4, [13]), expect: ['DIRECTORY_CORRUPTED'] },
  { name: "a name containing '/'", apply: (img, l) => patch(img, l.block('dir0', 0) * l.bs + l.entry('dir0', 'file3') + 9, [0x2f]), expect: ['ENTRY_NAME_INVALID'] },
  { name: 'a wrong file_type', apply: (img, l) => patch(img, l.block('dir0', 0) * l.bs + l.entry('dir0', 'file3') + 7, [2]), expect: ['ENTRY_FILE_TYPE_WRONG'] },
  { name: 'a file_type of 0: a warning, as for e2fsck -n', apply: (img, l) => patch(img, l.block('dir0', 0) * l.bs + l.entry('dir0', 'file3') + 7, [0]), expect: ['ENTRY_FILE_TYPE_MISSING'], clean: true },
  { name: "'.' naming another inode", apply: (img, l) => patch(img, l.block('dir0', 0) * l.bs, [l.ino('dir0/file3') & 0xff, (l.ino('dir0/file3') >> 8) & 0xff, 0, 0]), expect: ['DOT_ENTRY_INVALID'] },
  { name: 'two entries with the same name in one block', apply: (img, l) => patch(img, l.block('dir0', 0) * l.bs + l.entry('dir0', 'file4') + 12, [0x33]), expect: ['ENTRY_DUPLICATE_NAME'] },
  { name: 'an entry naming a freed inode (clri)', apply: cmd('clri dir0/file3'), expect: ['ENTRY_UNUSED_INODE', 'BLOCK_BITMAP_DIFFERENCE'] },
  { name: 'a directory with a hole', apply: cmd('sif dir0 size 3072', (l) => `sif dir0 block[2] ${l.freeBlock}`, (l) => `setb ${l.freeBlock}`), expect: ['DIRECTORY_HOLE'] },
  // Pass 1 (EXT2.md 3)
  { name: 'a live inode with dtime (kill_file)', apply: cmd('kill_file dir0/file3'), expect: ['INODE_IN_USE_HAS_DTIME'] },
  { name: 'a free inode with a mode but no dtime', apply: cmd((l) => `sif <${l.freeInode}> mode 0100644`), expect: ['DELETED_INODE_ZERO_DTIME'] },
  { name: 'a dtime below s_inodes_count (orphan list remnant)', apply: cmd((l) => `sif <${l.freeInode}> dtime 5`), expect: ['ORPHAN_LIST_INODE'] },
  { name: 'i_blocks off', apply: cmd('sif dir0/file3 blocks 200'), expect: ['INODE_I_BLOCKS_WRONG'] },
  { name: 'a directory size that is not a multiple of the block size', apply: cmd('sif dir0 size 1000'), expect: ['INODE_SIZE_WRONG'] },
  { name: 'a file size below its last block', apply: cmd('sif dir0/file7 size 100'), expect: ['INODE_SIZE_WRONG'] },
  { name: 'a block pointer outside the filesystem', apply: cmd('sif dir0/file3 block[0] 99999999'), expect: ['ILLEGAL_BLOCK', 'INODE_I_BLOCKS_WRONG'] },
  { name: 'a block claimed by two files', apply: cmd((l) => `sif dir0/file3 block[0] ${l.block('dir0/file4', 0)}`), expect: ['MULTIPLY_CLAIMED_BLOCKS'] },
  { name: 'a file block inside the inode table', apply: cmd((l) => `sif dir0/file3 block[0] ${l.blockBitmap0 + 3}`), expect: ['MULTIPLY_CLAIMED_BLOCKS'] },
  { name: 'an invalid file type in the mode', apply: cmd('sif dir0/file3 mode 0170644'), expect: ['INODE_BAD_MODE'] },
  { name: 'i_faddr not zero', apply: cmd('sif dir0/file3 faddr 5'), expect: ['INODE_FIELD_NOT_ZERO'] },
  { name: 'a bad i_extra_isize', apply: cmd('sif dir0/file3 extra_isize 6'), expect: ['INODE_EXTRA_ISIZE_INVALID'] },
  { name: 'EXTENTS_FL on ext2', apply: cmd('sif dir0/file3 flags 0x80000'), expect: ['INODE_FLAGS_INVALID'] },
  { name: 'INDEX_FL on a plain directory', apply: cmd('sif dir0 flags 0x1000'), expect: ['HTREE_ROOT_INVALID'] },
  { name: 'a slow symlink whose size disagrees with its text', apply: cmd('sif slow-link size 150'), expect: ['SYMLINK_INVALID'] },
  { name: 'garbage after a fast symlink target (no NUL at i_size)', apply: cmd('sif fast-link block[7] 0x41414141', 'sif fast-link size 20'), expect: ['SYMLINK_INVALID'] },
  { name: 'a FIFO with a size', apply: cmd('sif fifo size 5'), expect: ['SPECIAL_FILE_NONZERO_SIZE'] },
  { name: 'an immutable FIFO: a warning, as for e2fsck', apply: cmd('sif fifo flags 0x10'), expect: ['SPECIAL_FILE_FLAGS'], clean: true },
  { name: 'the root with a dtime', apply: cmd('sif <2> dtime 1700000000'), expect: ['INODE_IN_USE_HAS_DTIME'] },
  { name: 'a reserved inode with a mode', apply: cmd('sif <6> mode 0100644'), expect: ['RESERVED_INODE_BAD_MODE'] },
  { name: 'the resize inode without its DIND block', apply: cmd('sif <7> block[DIND] 0'), expect: ['RESIZE_INODE_INVALID', 'INODE_I_BLOCKS_WRONG'] },
  { name: 'an xattr block refcount off', apply: (img, l) => patch(img, l.fileAcl('dir0/file2') * l.bs + 4, [2]), expect: ['XATTR_REFCOUNT_WRONG'] },
  { name: 'an xattr entry hash off', apply: (img, l) => patch(img, l.fileAcl('dir0/file2') * l.bs + 32 + 12, [0x34, 0x12]), expect: ['XATTR_BLOCK_INVALID'] },
  // Pass 0 (EXT2.md 1, 2.2): e2fsck re-marks the filesystem valid after these.
  { name: 'a superblock mount time in the future: a warning', apply: cmd('ssv mtime 4000000000'), expect: ['SUPERBLOCK_TIME_IN_FUTURE'], clean: true },
  { name: 'a bad s_min_extra_isize: a warning', apply: cmd('ssv min_extra_isize 6'), expect: ['SUPERBLOCK_FIELD_INVALID'], clean: true },
  {
    name: 'a primary descriptor pointing outside its group: e2fsck uses the backup table, so only a warning on a fresh image',
    apply: cmd('set_bg 1 block_bitmap 5'),
    expect: ['PRIMARY_DESCRIPTORS_INVALID'],
    clean: true,
    fresh: true,
  },
  {
    name: 'the same on a used image: the stale backup counters then disagree with the bitmaps',
    apply: cmd('set_bg 1 block_bitmap 5'),
    expect: ['PRIMARY_DESCRIPTORS_INVALID', 'GROUP_FREE_BLOCKS_WRONG'],
  },
];

suite('check() finds debugfs corruptions and agrees with e2fsck -fn (EXT2.md 6.2, 7)', () => {
  let scratch: ReturnType<typeof scratchDir>;
  let base: string;
  let fresh: string;
  let layout: Layout;

  beforeAll(() => {
    scratch = scratchDir('ext2-check-corrupt-');
    const tree = writeTree(join(scratch.dir, 'tree'), 3, 8);
    base = mkfs(join(scratch.dir, 'base.img'), ['-b', '1024', '-d', tree], '20M');
    debugfs(base, SPECIAL_FILES);
    fresh = mkfs(join(scratch.dir, 'fresh.img'), ['-b', '1024'], '24M');
    layout = layoutOf(base);
  }, 60_000);
  afterAll(() => scratch.cleanup());

  it('the base images are clean for both', async () => {
    for (const img of [base, fresh]) {
      expect(e2fsck(img).status).toBe(0);
      expect((await checkImage(img)).report.clean).toBe(true);
    }
  });

  for (const c of CASES) {
    it(`${c.name} -> ${c.expect.join(', ')}${c.clean === true ? ' (clean)' : ''}`, async () => {
      const img = join(scratch.dir, 'case.img');
      copyFileSync(c.fresh === true ? fresh : base, img);
      c.apply(img, layout);
      const oracle = e2fsck(img);
      const { report, device } = await checkImage(img);
      for (const code of c.expect) expect(codes(report), dump(report)).toContain(code);
      if (c.clean === true) {
        expect(oracle.status, oracle.output).toBe(0);
        expect(report.clean, dump(report)).toBe(true);
      } else {
        expect(oracle.status, oracle.output).not.toBe(0);
        expect(report.clean, dump(report)).toBe(false);
      }
      expect(device.counters.writes).toBe(0);
    });
  }
});

/** Reads what the cases need from the base image with debugfs. */
function layoutOf(img: string): Layout {
  const stats = new Map<string, string>();
  const stat = (path: string): string => {
    let s = stats.get(path);
    if (s === undefined) {
      s = debugfsQuery(img, `stat ${path}`);
      stats.set(path, s);
    }
    return s;
  };
  const num = (re: RegExp, text: string): number => {
    const m = re.exec(text);
    if (m === null) throw new Error(`no ${re} in:\n${text}`);
    return Number(m[1]);
  };
  const header = debugfsQuery(img, 'stats');
  const bs = num(/Block size:\s+(\d+)/, header);
  const bytes = readFileSync(img);
  const block = (path: string, lblk: number): number => num(/^(\d+)/, debugfsQuery(img, `bmap ${path} ${lblk}`).trim());
  const group0 = /Group\s+0:.*?block bitmap at (\d+), inode bitmap at (\d+)/is.exec(header);
  if (group0 === null) throw new Error(`no group 0 layout in:\n${header}`);
  const ffb = num(/(\d+)/, debugfsQuery(img, 'ffb 1'));
  const ffi = num(/(\d+)/, debugfsQuery(img, 'ffi'));
  return {
    bs,
    ino: (path) => num(/Inode:\s+(\d+)/, stat(path)),
    block,
    fileAcl: (path) => num(/File ACL:\s+(\d+)/, stat(path)),
    entry(dir, name) {
      const at = block(dir, 0) * bs;
      for (let off = 0; off < bs; ) {
        const recLen = bytes.readUInt16LE(at + off + 4);
        const nameLen = bytes[at + off + 6] as number;
        if (bytes.subarray(at + off + 8, at + off + 8 + nameLen).toString('latin1') === name) return off;
        if (recLen < 12) break;
        off += recLen;
      }
      throw new Error(`no entry ${name} in ${dir}`);
    },
    blockBitmap0: Number(group0[1]),
    inodeBitmap0: Number(group0[2]),
    firstReservedGdt: 3,
    freeInode: ffi,
    freeBlock: ffb,
  };
}
