// Interop: the ext2-lite format layer (packages/ext2-lite/src/format, imported
// by path because ext2-lite has no public mount API yet) against images built
// by e2fsprogs: mke2fs -t ext2 with 1/2/4/64 KiB blocks, 128/256-byte inodes,
// -d from a generated tree, -O variants, debugfs-made xattrs and an e2fsck -D
// htree. Every decoded value is checked against dumpe2fs / debugfs output.
//
// Needs mke2fs, debugfs, dumpe2fs and e2fsck. Without them the suite is skipped
// with a message, except in CI (process.env.CI set), where it fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, linkSync, openSync, writeSync, closeSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsupportedFeatureError } from '@iomap/core';
import {
  S_IF,
  decodeDeviceNumber,
  decodeDxRoot,
  decodeFastSymlink,
  decodeInodeXattrs,
  decodeSlowSymlink,
  decodeSuperblock,
  decodeXattrBlock,
  describeFeatures,
  descriptorBlockLocation,
  fileTypeFromMode,
  formatUuid,
  groupFirstBlock,
  groupLastBlock,
  hasIndexFlag,
  hasSuperblockBackup,
  mountPolicy,
  symlinkStorage,
  volumeLabel,
  xattrFullName,
  type Inode,
  type XattrEntry,
} from './support/ext2-lite-format.js';
import { Ext2Image } from './support/ext2-image.js';
import { locateTools, parseDebugfsLs, parseDebugfsStat, parseDumpe2fsGroups, parseDumpe2fsHeader, run, status, findTool, type DebugfsStat } from './support/e2fsprogs.js';
import { patternBytes as pattern } from '@iomap/testkit';

const { tools, missing } = locateTools();
if (missing.length > 0) {
  const why = `e2fsprogs tools not found: ${missing.join(', ')}`;
  if (process.env.CI) throw new Error(`${why} (required in CI: install e2fsprogs)`);
  console.warn(`skipping ext2-format interop tests: ${why}`);
}
const suite = missing.length === 0 ? describe : describe.skip;

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const SLOW_TARGET = `${'very-long-directory-name/'.repeat(5)}target-of-a-slow-symlink`;
const FAST_TARGET = 'short/fast/target';
const UNICODE = 'ünïcødé-名前-😀.txt';

let scratch = '';
beforeAll(() => {
  if (missing.length === 0) scratch = mkdtempSync(join(tmpdir(), 'ext2-format-'));
});
afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

interface Tree {
  dir: string;
  big: Uint8Array;
  sparseTail: Uint8Array;
  sparseOffset: number;
}

/** A source tree for mke2fs -d: small, multi-level-indirect, sparse, linked, symlinked, unicode, fifo. */
function makeTree(name: string, blockSize: number): Tree {
  const dir = join(scratch, `${name}-tree`);
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'hello.txt'), 'hello world\n');
  // Reaches the double-indirect block: 12 direct + one indirect block's worth + 5.
  const big = pattern((12 + blockSize / 4 + 5) * blockSize + 123, blockSize);
  writeFileSync(join(dir, 'big.bin'), big);
  const sparseOffset = (12 + blockSize / 4 + 3) * blockSize + 7;
  const sparseTail = pattern(5000, 7);
  const fd = openSync(join(dir, 'sparse.bin'), 'w');
  writeSync(fd, new TextEncoder().encode('head'), 0, 4, 0);
  writeSync(fd, sparseTail, 0, sparseTail.length, sparseOffset);
  closeSync(fd);
  linkSync(join(dir, 'hello.txt'), join(dir, 'sub', 'hardlink.txt'));
  symlinkSync(FAST_TARGET, join(dir, 'fast'));
  symlinkSync(SLOW_TARGET, join(dir, 'slow'));
  writeFileSync(join(dir, UNICODE), 'unicode\n');
  for (let i = 0; i < 40; i++) writeFileSync(join(dir, 'sub', `file-${i}`), `${i}\n`);
  writeFileSync(join(dir, 'sub', 'deeper', 'leaf'), 'leaf\n');
  const mkfifo = findTool('mkfifo');
  if (mkfifo !== undefined) status(mkfifo, [join(dir, 'fifo')]);
  return { dir, big, sparseTail, sparseOffset };
}

function mkfs(name: string, args: string[], size: string): string {
  const img = join(scratch, `${name}.img`);
  run(tools.mke2fs, ['-q', '-F', '-t', 'ext2', ...args, img, size]);
  return img;
}

const stat = (img: string, spec: string): DebugfsStat => parseDebugfsStat(run(tools.debugfs, ['-R', `stat ${spec}`, img]));

/** The checks every decoded inode must pass against debugfs stat. */
function expectInodeMatchesStat(inode: Inode, s: DebugfsStat, inodeSize: number): void {
  expect(inode.mode & 0o7777).toBe(s.mode);
  expect({ flags: inode.flags, generation: inode.generation, uid: inode.uid, gid: inode.gid, size: inode.size, fileAcl: inode.fileAcl, links: inode.linksCount, blocks: inode.blocks }).toEqual({
    flags: s.flags,
    generation: s.generation,
    uid: s.user,
    gid: s.group,
    size: s.size,
    fileAcl: s.fileAcl,
    links: s.links,
    blocks: s.blockcount,
  });
  for (const [name, [seconds, extra]] of Object.entries(s.times)) {
    const key = name as 'ctime' | 'atime' | 'mtime' | 'crtime';
    expect((inode[key] ?? 0) >>> 0, name).toBe(seconds);
    if (extra !== undefined) expect(inode[`${key}Extra`], `${name} extra`).toBe(extra);
  }
  if (inodeSize > 128) expect(inode.extraIsize).toBe(s.extraIsize);
}

const TYPE_OF_STAT: Record<string, number> = { regular: S_IF.REG, directory: S_IF.DIR, symlink: S_IF.LNK, FIFO: S_IF.FIFO };

const MATRIX = [
  { blockSize: 1024, inodeSize: 128, size: '32M' },
  { blockSize: 1024, inodeSize: 256, size: '32M' },
  { blockSize: 2048, inodeSize: 256, size: '80M' },
  { blockSize: 4096, inodeSize: 128, size: '300M' },
  { blockSize: 4096, inodeSize: 256, size: '300M' },
];

suite.each(MATRIX)('mke2fs -t ext2 -b $blockSize -I $inodeSize -d tree', ({ blockSize, inodeSize, size }) => {
  let img = '';
  let tree: Tree;
  let image: Ext2Image;
  const name = `m${blockSize}-${inodeSize}`;

  beforeAll(() => {
    tree = makeTree(name, blockSize);
    img = mkfs(name, ['-b', String(blockSize), '-I', String(inodeSize), '-L', 'interop', '-d', tree.dir], size);
    image = new Ext2Image(img);
  }, 60_000);
  afterAll(() => image?.close());

  it('decodes the superblock exactly as dumpe2fs -h prints it', () => {
    const h = parseDumpe2fsHeader(run(tools.dumpe2fs, ['-h', img]));
    const { sb, g } = image;
    const seedBytes = new Uint8Array(16);
    sb.hashSeed.forEach((w, i) => new DataView(seedBytes.buffer).setUint32(4 * i, w, true));
    const decoded: Record<string, string | undefined> = {
      'Filesystem volume name': volumeLabel(sb),
      'Filesystem UUID': formatUuid(sb.uuid),
      'Filesystem magic number': `0x${sb.magic.toString(16).toUpperCase()}`,
      'Filesystem revision #': `${sb.revLevel} (dynamic)`,
      'Filesystem features': describeFeatures({ compat: sb.featureCompat, incompat: sb.featureIncompat, roCompat: sb.featureRoCompat }).join(' '),
      'Filesystem state': sb.state === 1 ? 'clean' : String(sb.state),
      'Errors behavior': sb.errors === 1 ? 'Continue' : String(sb.errors),
      'Inode count': String(sb.inodesCount),
      'Block count': String(sb.blocksCount),
      'Reserved block count': String(sb.rBlocksCount),
      'Overhead clusters': String(sb.overheadClusters),
      'Free blocks': String(sb.freeBlocksCount),
      'Free inodes': String(sb.freeInodesCount),
      'First block': String(sb.firstDataBlock),
      'Block size': String(g.blockSize),
      'Fragment size': String(1024 << sb.logFragSize),
      'Reserved GDT blocks': String(sb.reservedGdtBlocks),
      'Blocks per group': String(sb.blocksPerGroup),
      'Fragments per group': String(sb.fragsPerGroup),
      'Inodes per group': String(sb.inodesPerGroup),
      'Inode blocks per group': String(g.inodeTableBlocks),
      'Mount count': String(sb.mntCount),
      'Maximum mount count': String(sb.maxMntCount),
      'First inode': String(g.firstIno),
      'Inode size': String(g.inodeSize),
      'Default directory hash': ['legacy', 'half_md4', 'tea'][sb.defHashVersion],
      'Directory Hash Seed': formatUuid(seedBytes),
    };
    expect(decoded).toEqual(Object.fromEntries(Object.keys(decoded).map((k) => [k, h[k]])));
    expect(h['Filesystem flags']).toContain(sb.flags & 1 ? 'signed_directory_hash' : 'unsigned_directory_hash');
    expect(h['Default mount options']).toBe('user_xattr acl');
    expect(sb.defaultMountOpts).toBe(0x0c);
    if (inodeSize > 128) expect([String(sb.minExtraIsize), String(sb.wantExtraIsize)]).toEqual([h['Required extra isize'], h['Desired extra isize']]);
    expect(mountPolicy(sb)).toEqual({ readOnly: false, reasons: [], warnings: [], checkJournal: false });
  });

  it('decodes every group descriptor and backup placement as dumpe2fs lists them', () => {
    const groups = parseDumpe2fsGroups(run(tools.dumpe2fs, [img]));
    const { g } = image;
    expect(groups).toHaveLength(g.groupCount);
    expect(g.groupCount).toBeGreaterThanOrEqual(3);
    for (const d of groups) {
      const gd = image.groups[d.group]!;
      expect([groupFirstBlock(g, d.group), groupLastBlock(g, d.group)]).toEqual([d.first, d.last]);
      expect({ bb: gd.blockBitmap, ib: gd.inodeBitmap, it: [gd.inodeTable, gd.inodeTable + g.inodeTableBlocks - 1], free: gd.freeBlocksCount, freeInodes: gd.freeInodesCount, dirs: gd.usedDirsCount }).toEqual({
        bb: d.blockBitmap,
        ib: d.inodeBitmap,
        it: d.inodeTable,
        free: d.freeBlocks,
        freeInodes: d.freeInodes,
        dirs: d.directories,
      });
      expect(hasSuperblockBackup(image.sb, d.group), `group ${d.group} backup`).toBe(d.superblock !== undefined);
      if (d.group === 0) expect(d.gdt).toEqual([descriptorBlockLocation(g, 0), descriptorBlockLocation(g, g.descriptorBlocks - 1)]);
    }
  });

  it('decodes the backup superblock in group 1 with s_block_group_nr 1', () => {
    const first = groupFirstBlock(image.g, 1);
    const backup = decodeSuperblock(image.read(first * blockSize, 1024), { location: `block ${first}` });
    expect([backup.blockGroupNr, formatUuid(backup.uuid), backup.blocksCount, backup.inodesCount]).toEqual([1, formatUuid(image.sb.uuid), image.sb.blocksCount, image.sb.inodesCount]);
  });

  it('decodes the root inode and root directory like debugfs', () => {
    const root = image.inode(2);
    const s = stat(img, '<2>');
    expectInodeMatchesStat(root, s, inodeSize);
    expect(image.map(root, 0, 2)).toBe(s.data.get(0));
    const listed = parseDebugfsLs(run(tools.debugfs, ['-R', 'ls -p /', img]));
    const decoded = image.dirEntries(2).filter((e) => e.inode !== 0);
    expect(decoded.map((e) => [e.inode, text(e.name)])).toEqual(listed.map((e) => [e.inode, e.name]));
    for (const e of decoded) expect(e.fileType, text(e.name)).toBe(fileTypeFromMode(listed.find((l) => l.inode === e.inode)!.mode));
    expect(decoded.map((e) => text(e.name))).toContain(UNICODE);
  });

  it('decodes lost+found: inode 11, a directory of empty blocks after its first', () => {
    const s = stat(img, '<11>');
    const lf = image.inode(11);
    expectInodeMatchesStat(lf, s, inodeSize);
    expect(lf.mode).toBe(S_IF.DIR | 0o700);
    const entries = image.dirEntries(11);
    expect(entries.filter((e) => e.inode !== 0).map((e) => text(e.name))).toEqual(['.', '..']);
    expect(entries.filter((e) => e.inode === 0)).toHaveLength(lf.size / blockSize - 1);
  });

  it('decodes regular files, hard links and their block maps (direct, IND, DIND) like debugfs', () => {
    for (const path of ['/hello.txt', '/big.bin', '/sparse.bin', '/sub/hardlink.txt', `/${UNICODE}`]) {
      const ino = image.lookup(path);
      const inode = image.inode(ino);
      const s = stat(img, `<${ino}>`);
      expectInodeMatchesStat(inode, s, inodeSize);
      expect(inode.mode & 0xf000).toBe(TYPE_OF_STAT[s.type]);
      const pointers = new Set<number>();
      for (let n = 0; n * blockSize < inode.size; n++) expect(image.map(inode, n, ino, pointers), `${path} block ${n}`).toBe(s.data.get(n) ?? 0);
      expect([...pointers].sort((a, b) => a - b)).toEqual([...s.metadata].sort((a, b) => a - b));
    }
    expect(image.inode(image.lookup('/hello.txt')).linksCount).toBe(2);
    expect(text(image.data(image.inode(image.lookup('/sub/hardlink.txt')), 0))).toBe('hello world\n');
    const bigIno = image.lookup('/big.bin');
    expect(Buffer.compare(image.data(image.inode(bigIno), bigIno), tree.big)).toBe(0); // toEqual is slow on MiB-sized arrays
    expect(stat(img, '/big.bin').metadata.length).toBeGreaterThanOrEqual(3); // IND, DIND and an IND under it
    const sparseIno = image.lookup('/sparse.bin');
    const sparse = image.data(image.inode(sparseIno), sparseIno);
    expect(text(sparse.subarray(0, 4))).toBe('head');
    expect(sparse.subarray(tree.sparseOffset)).toEqual(tree.sparseTail);
    expect(sparse.subarray(blockSize, tree.sparseOffset - blockSize).every((b) => b === 0)).toBe(true);
  });

  it('decodes a fast and a slow symlink', () => {
    const fastIno = image.lookup('/fast');
    const fast = image.inode(fastIno);
    const fs = stat(img, '/fast');
    expectInodeMatchesStat(fast, fs, inodeSize);
    expect(symlinkStorage(fast, { ino: fastIno, blockSize })).toBe('fast');
    expect(text(decodeFastSymlink(fast, { ino: fastIno, blockSize }))).toBe(fs.fastLinkDest);
    expect(fs.fastLinkDest).toBe(FAST_TARGET);

    const slowIno = image.lookup('/slow');
    const slow = image.inode(slowIno);
    const ss = stat(img, '/slow');
    expectInodeMatchesStat(slow, ss, inodeSize);
    expect(symlinkStorage(slow, { ino: slowIno, blockSize })).toBe('slow');
    const data = image.block(slow.block[0]!);
    expect(text(decodeSlowSymlink(slow, data, { ino: slowIno, blockSize, range: image.g }))).toBe(SLOW_TARGET);
    expect(ss.data.get(0)).toBe(slow.block[0]);
  });

  it('decodes a fifo made by mke2fs -d', () => {
    if (findTool('mkfifo') === undefined) return;
    const ino = image.lookup('/fifo');
    const inode = image.inode(ino);
    expect(inode.mode & 0xf000).toBe(S_IF.FIFO);
    expect(image.dirEntries(2).find((e) => e.inode === ino)?.fileType).toBe(5);
    expect(inode.block.every((b) => b === 0)).toBe(true);
    expect(decodeDeviceNumber(inode.block)).toEqual({ major: 0, minor: 0 });
  });
});

/** All xattrs of an inode: in-inode first, then the block's. */
function xattrsOf(image: Ext2Image, ino: number): Map<string, XattrEntry> {
  const inode = image.inode(ino);
  const out = new Map<string, XattrEntry>();
  if (image.g.inodeSize > 128) {
    for (const e of decodeInodeXattrs(image.inodeBytes(ino), { ino, extraIsize: inode.extraIsize ?? 0 })) out.set(xattrFullName(e)!, e);
  }
  if (inode.fileAcl !== 0) {
    const block = decodeXattrBlock(image.block(inode.fileAcl), { block: inode.fileAcl, ino });
    expect(block.refcount).toBeGreaterThanOrEqual(1);
    for (const e of block.entries) out.set(xattrFullName(e)!, e);
  }
  return out;
}

suite.each([
  { blockSize: 1024, inodeSize: 256 },
  { blockSize: 4096, inodeSize: 128 },
])('xattrs set with debugfs ea_set (-b $blockSize -I $inodeSize)', ({ blockSize, inodeSize }) => {
  it('decodes in-inode and block attributes, names, values and hashes', () => {
    const dir = join(scratch, `xa${blockSize}-${inodeSize}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'f'), 'data\n');
    mkdirSync(join(dir, 'd'));
    const img = mkfs(`xa${blockSize}-${inodeSize}`, ['-b', String(blockSize), '-I', String(inodeSize), '-d', dir], '16M');
    const bigValue = join(scratch, `big-${blockSize}-${inodeSize}.val`);
    writeFileSync(bigValue, 'x'.repeat(300));
    run(tools.debugfs, ['-w', '-f', '-', img], ['ea_set /f user.small abc', 'ea_set /f trusted.t 12345', `ea_set -f ${bigValue} /f user.big`, 'ea_set /f security.selinux system_u:object_r:etc_t:s0', 'ea_set /d user.x y', ''].join('\n'));
    const image = new Ext2Image(img);
    try {
      for (const path of ['/f', '/d']) {
        const ino = image.lookup(path);
        const s = stat(img, path);
        const got = xattrsOf(image, ino);
        expect([...got.keys()].sort()).toEqual([...s.xattrs.keys()].sort());
        for (const [name, { size, value }] of s.xattrs) {
          const e = got.get(name)!;
          expect(e.valueSize, name).toBe(size);
          if (value !== undefined) expect(`"${text(e.value)}"`, name).toBe(value);
        }
        expect(image.inode(ino).fileAcl).toBe(s.fileAcl);
      }
      const f = xattrsOf(image, image.lookup('/f'));
      expect(text(f.get('user.big')!.value)).toBe('x'.repeat(300));
      if (inodeSize > 128) {
        const inode = image.inode(image.lookup('/f'));
        const inInode = decodeInodeXattrs(image.inodeBytes(image.lookup('/f')), { ino: 0, extraIsize: inode.extraIsize ?? 0 });
        expect(inInode.length).toBeGreaterThan(0);
      }
    } finally {
      image.close();
    }
  });
});

suite('mke2fs -O variants and other layouts', () => {
  it('reads directory entries without the filetype feature (-O ^filetype)', () => {
    const img = mkfs('nofiletype', ['-b', '1024', '-O', '^filetype'], '4M');
    const image = new Ext2Image(img);
    try {
      expect(image.sb.featureIncompat & 0x2).toBe(0);
      const entries = image.dirEntries(2).filter((e) => e.inode !== 0);
      expect(entries.map((e) => [text(e.name), e.fileType])).toEqual([['.', 0], ['..', 0], ['lost+found', 0]]);
    } finally {
      image.close();
    }
  });

  it('finds meta_bg descriptor blocks where dumpe2fs does (-O meta_bg,^resize_inode)', () => {
    const img = mkfs('metabg', ['-b', '1024', '-O', 'meta_bg,^resize_inode'], '300M');
    const image = new Ext2Image(img);
    try {
      const { g } = image;
      expect(g.descriptorBlocks).toBeGreaterThanOrEqual(2);
      const groups = parseDumpe2fsGroups(run(tools.dumpe2fs, [img]));
      for (let index = 0; index < g.descriptorBlocks; index++) {
        const group = index * g.descriptorsPerBlock;
        expect(groups[group]!.gdt?.[0], `descriptor block ${index}`).toBe(descriptorBlockLocation(g, index));
      }
      for (const d of groups) expect(image.groups[d.group]!.inodeTable).toBe(d.inodeTable[0]);
      expect(mountPolicy(image.sb).readOnly).toBe(false);
    } finally {
      image.close();
    }
  });

  it('puts a backup in every group without sparse_super, and only where s_backup_bgs says with sparse_super2', () => {
    for (const [name, opt] of [['nosparse', '^sparse_super,^resize_inode'], ['sparse2', 'sparse_super2']] as const) {
      const img = mkfs(name, ['-b', '1024', '-O', opt], '64M');
      const image = new Ext2Image(img);
      try {
        for (const d of parseDumpe2fsGroups(run(tools.dumpe2fs, [img]))) {
          expect(hasSuperblockBackup(image.sb, d.group), `${name} group ${d.group}`).toBe(d.superblock !== undefined);
        }
        if (opt === 'sparse_super2') expect(mountPolicy(image.sb).reasons).toEqual([expect.stringContaining('sparse_super2')]);
      } finally {
        image.close();
      }
    }
  });

  it('decodes a revision 0 filesystem (mke2fs -r 0)', () => {
    const img = mkfs('rev0', ['-r', '0'], '4M');
    const image = new Ext2Image(img);
    try {
      expect([image.sb.revLevel, image.g.inodeSize, image.g.firstIno]).toEqual([0, 128, 11]);
      expect(describeFeatures({ compat: image.sb.featureCompat, incompat: image.sb.featureIncompat, roCompat: image.sb.featureRoCompat })).toEqual([]);
      expect(image.dirEntries(2).filter((e) => e.inode !== 0).map((e) => [text(e.name), e.fileType])).toEqual([['.', 0], ['..', 0], ['lost+found', 0]]);
      expectInodeMatchesStat(image.inode(2), stat(img, '<2>'), 128);
    } finally {
      image.close();
    }
  });

  it('reads 64 KiB blocks, including rec_len 65536 stored as 65535', () => {
    const img = mkfs('b64k', ['-b', '65536'], '64M');
    const image = new Ext2Image(img);
    try {
      expect(image.g.blockSize).toBe(65536);
      expect(image.sb.blocksPerGroup).toBe(65528);
      const lf = image.dirEntries(11);
      expect(lf.filter((e) => e.inode !== 0).map((e) => text(e.name))).toEqual(['.', '..']);
      expect(lf.filter((e) => e.inode === 0).every((e) => e.recLen === 65536)).toBe(true);
    } finally {
      image.close();
    }
  });

  it('opens a clean ext3 image as ext2 with a journal check (-t ext3)', () => {
    const img = join(scratch, 'ext3.img');
    run(tools.mke2fs, ['-q', '-F', '-t', 'ext3', img, '16M']);
    const image = new Ext2Image(img);
    try {
      expect(mountPolicy(image.sb)).toMatchObject({ readOnly: false, checkJournal: true });
      const journal = image.inode(image.sb.journalInum);
      expectInodeMatchesStat(journal, stat(img, '<8>'), image.g.inodeSize);
      expect(journal.mode & 0xf000).toBe(S_IF.REG);
    } finally {
      image.close();
    }
  });

  it('refuses needs_recovery and forces read-only for an unsupported ro_compat feature set by debugfs', () => {
    for (const [feature, check] of [
      ['needs_recovery', 'refuse'],
      ['dir_nlink', 'ro'],
    ] as const) {
      const img = join(scratch, `feat-${feature}.img`);
      copyFileSync(mkfs(`base-${feature}`, ['-b', '1024'], '4M'), img);
      run(tools.debugfs, ['-w', '-R', `feature ${feature}`, img]);
      const sb = decodeSuperblock(new Ext2Image(img).read(1024, 1024));
      if (check === 'refuse') {
        expect(() => mountPolicy(sb)).toThrow(UnsupportedFeatureError);
        expect(() => mountPolicy(sb)).toThrow(/needs_recovery/);
      } else {
        expect(mountPolicy(sb)).toMatchObject({ readOnly: true, reasons: [expect.stringContaining('dir_nlink')] });
      }
    }
  });

  it('reads an htree directory made by e2fsck -D linearly and validates its dx_root', () => {
    const dir = join(scratch, 'htree-tree');
    mkdirSync(join(dir, 'big'), { recursive: true });
    for (let i = 0; i < 400; i++) writeFileSync(join(dir, 'big', `entry-with-a-longish-name-${i}`), '');
    const img = mkfs('htree', ['-b', '1024', '-d', dir], '16M');
    run(tools.e2fsck, ['-fyD', img]);
    const image = new Ext2Image(img);
    try {
      const ino = image.lookup('/big');
      const inode = image.inode(ino);
      expect(hasIndexFlag(inode.flags)).toBe(true);
      const dirBlocks = inode.size / 1024;
      const root = decodeDxRoot(image.block(image.map(inode, 0, ino)), { ino, dirBlocks });
      const dump = run(tools.debugfs, ['-R', 'htree /big', img]);
      expect(`Hash Version: ${root.hashVersion}`).toBe(/Hash Version: \d+/.exec(dump)?.[0]);
      expect(`Number of entries (count): ${root.count}`).toBe(/Number of entries \(count\): \d+/.exec(dump)?.[0]);
      expect(`Number of entries (limit): ${root.limit}`).toBe(/Number of entries \(limit\): \d+/.exec(dump)?.[0]);
      const names = image.dirEntries(ino).filter((e) => e.inode !== 0).map((e) => text(e.name));
      const listed = parseDebugfsLs(run(tools.debugfs, ['-R', 'ls -p /big', img])).map((e) => e.name);
      expect(names.sort()).toEqual(listed.sort());
      expect(names).toHaveLength(402);
    } finally {
      image.close();
    }
  });
});
