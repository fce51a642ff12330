// Test support for the namespace tests: scratch images made by mke2fs in
// every block/inode size, mounted writable on a FileDevice; trees as
// ext2-lite, debugfs and the kernel (read-only loop mount) see them.
//
// Tools: e2fsprogs through ../support/e2fsprogs.ts (requireTool fails in CI,
// skips locally). Kernel mounts need root and a free loop device; missing
// them fails in CI and skips locally, with the reason printed.
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { FileDevice } from '@iomap/blockdev-node';
import { timeNs, type NewInodeAttributes } from '@iomap/vfs';
import { mount, type Ext2Filesystem } from '../../src/index.js';
import type { Ext2Inode } from '../../src/inode/ext2-inode.js';
import { fsckClean, makeImage, requireTool, type FsckResult } from '../support/e2fsprogs.js';

/** The block size / inode size combinations every scenario runs on. */
export const SHAPES = [
  { blockSize: 1024, inodeSize: 128 },
  { blockSize: 1024, inodeSize: 256 },
  { blockSize: 2048, inodeSize: 128 },
  { blockSize: 2048, inodeSize: 256 },
  { blockSize: 4096, inodeSize: 128 },
  { blockSize: 4096, inodeSize: 256 },
] as const;
export type Shape = (typeof SHAPES)[number];
export const shapeName = (s: Shape): string => `${s.blockSize / 1024} KiB blocks, ${s.inodeSize}-byte inodes`;

/** True when mke2fs, e2fsck and debugfs are all installed (else skipped locally, thrown in CI). */
export const haveE2fsprogs = ['mke2fs', 'e2fsck', 'debugfs'].every((t) => requireTool(t) !== undefined);
const DEBUGFS = requireTool('debugfs') ?? 'debugfs';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A fixed creation clock for every new inode of a test. */
export const T0 = timeNs(1_700_000_000, 123_456_789);

/** NewInodeAttributes of `mode` owned by root at T0. */
export function init(mode: number, extra: Partial<NewInodeAttributes> = {}): NewInodeAttributes {
  return { mode, uid: 0, gid: 0, timeNs: T0, ...extra };
}
export const FILE = 0o100644;
export const DIR = 0o040755;

/** One scratch image in its own directory. */
export class ScratchImage {
  readonly dir: string;
  readonly path: string;
  private device: FileDevice | undefined = undefined;
  private fsInstance: Ext2Filesystem | undefined = undefined;

  constructor(
    readonly shape: Shape,
    options: { sizeBytes?: number; extra?: string[] } = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'ext2-ns-'));
    this.path = makeImage(join(this.dir, 'fs.img'), { ...shape, sizeBytes: options.sizeBytes ?? 8 << 20, extra: options.extra ?? [] });
  }

  /** Mounts the image writable (or read-only) on a FileDevice. */
  async mount(options: { readOnly?: boolean; now?: () => bigint; acl?: boolean } = {}): Promise<Ext2Filesystem> {
    this.device = await FileDevice.open(this.path, { readOnly: options.readOnly === true });
    this.fsInstance = await mount(this.device, { ...options, readOnly: options.readOnly === true });
    return this.fsInstance;
  }

  /** Unmounts (writing everything back) and closes the device. */
  async unmount(): Promise<void> {
    await this.fsInstance?.unmount();
    await this.device?.close();
    this.fsInstance = undefined;
    this.device = undefined;
  }

  fsck(): FsckResult {
    return fsckClean(this.path);
  }

  /** Runs debugfs commands (read-only unless `write`); returns stdout. */
  debugfs(commands: string[], write = false): string {
    const r = spawnSync(DEBUGFS, [...(write ? ['-w'] : []), '-f', '-', this.path], { input: commands.join('\n'), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`debugfs failed: ${r.stderr}`);
    return r.stdout;
  }

  /** Unmounts if needed and removes the directory. */
  async cleanup(): Promise<void> {
    try {
      await this.unmount();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Runs `fn` on a fresh writable mount of a new image; unmounts and asserts nothing, returns the image for checks. */
export async function onImage(shape: Shape, fn: (fs: Ext2Filesystem, image: ScratchImage) => Promise<void>, options: { sizeBytes?: number; extra?: string[] } = {}): Promise<ScratchImage> {
  const image = new ScratchImage(shape, options);
  try {
    const fs = await image.mount();
    await fn(fs, image);
    await image.unmount();
  } catch (err) {
    await image.cleanup();
    throw err;
  }
  return image;
}

/** What a tree listing records per path. */
export interface NodeInfo {
  ino: number;
  /** i_mode (type and permissions). */
  mode: number;
  /** Size for non-directories. */
  size?: number;
  nlink?: number;
  /** Symlink target, or sha256 of a regular file's bytes. */
  content?: string;
}

const isDirMode = (mode: number): boolean => (mode & 0o170000) === 0o040000;

/**
 * The tree as debugfs `ls -p` shows it (ino, mode, size of non-directories), '.'/'..'/lost+found left out.
 * Entries with inode 0 are skipped: an unlinked name that was first in its block keeps its
 * bytes with inode 0 (as the kernel leaves it), and debugfs lists such entries too.
 */
export function debugfsTree(image: ScratchImage, root = '/'): Map<string, NodeInfo> {
  const out = new Map<string, NodeInfo>();
  const walk = (dir: string): void => {
    const listing = image.debugfs([`ls -p "${dir}"`]);
    for (const line of listing.split('\n')) {
      const m = /^\/(\d+)\/(\d+)\/\d+\/\d+\/(.*)\/(\d*)\/$/.exec(line.trim());
      if (m === null) continue;
      const [, ino, mode, name, size] = m as unknown as [string, string, string, string, string];
      if (ino === '0' || name === '.' || name === '..' || (dir === '/' && name === 'lost+found')) continue;
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
      const modeNum = parseInt(mode, 8);
      out.set(path, { ino: Number(ino), mode: modeNum, ...(isDirMode(modeNum) ? {} : { size: Number(size) }) });
      if (isDirMode(modeNum)) walk(path);
    }
  };
  walk(root);
  return out;
}

/** The tree through ext2-lite's Filesystem methods (same fields as debugfsTree, plus nlink and content). */
export async function ourTree(fs: Ext2Filesystem, withDetails = false): Promise<Map<string, NodeInfo>> {
  const out = new Map<string, NodeInfo>();
  const walk = async (dir: Ext2Inode, path: string): Promise<void> => {
    for await (const entry of fs.readdir(dir)) {
      const name = dec(entry.name);
      if (name === '.' || name === '..' || (path === '' && name === 'lost+found')) continue;
      const child = (await fs.lookup(dir, entry.name)) as Ext2Inode;
      const attrs = await fs.getattr(child);
      const full = `${path}/${name}`;
      const info: NodeInfo = { ino: attrs.ino, mode: attrs.mode, ...(isDirMode(attrs.mode) ? {} : { size: attrs.size }) };
      if (withDetails) {
        info.nlink = attrs.nlink;
        if ((attrs.mode & 0o170000) === 0o120000) info.content = dec(await fs.readlink(child));
        if ((attrs.mode & 0o170000) === 0o100000) {
          const bytes = new Uint8Array(attrs.size);
          await fs.read(child, 0, bytes);
          info.content = createHash('sha256').update(bytes).digest('hex');
        }
      }
      out.set(full, info);
      if (isDirMode(attrs.mode)) await walk(child, full);
    }
  };
  await walk(fs.root, '');
  return out;
}

/** The same fields for a host directory tree (a kernel mount point). */
export function hostTree(root: string): Map<string, NodeInfo> {
  const out = new Map<string, NodeInfo>();
  const walk = (dir: string, path: string): void => {
    for (const name of readdirSync(dir)) {
      if (path === '' && name === 'lost+found') continue;
      const full = join(dir, name);
      const st = lstatSync(full);
      const info: NodeInfo = { ino: st.ino, mode: st.mode, nlink: st.nlink, ...(st.isDirectory() ? {} : { size: st.size }) };
      if (st.isSymbolicLink()) info.content = readlinkSync(full, 'utf8');
      if (st.isFile()) info.content = createHash('sha256').update(readFileSync(full)).digest('hex');
      out.set(`${path}/${name}`, info);
      if (st.isDirectory()) walk(full, `${path}/${name}`);
    }
  };
  walk(root, '');
  return out;
}

const MOUNT = requireTool('mount');
const UMOUNT = requireTool('umount');
const LOSETUP = requireTool('losetup');

/** Why kernel loop mounts cannot run here, or undefined. */
function kernelMountBlocker(): string | undefined {
  if (MOUNT === undefined || UMOUNT === undefined || LOSETUP === undefined) return 'mount, umount or losetup not found';
  if (process.getuid?.() !== 0) return 'not running as root (loop mounts need root)';
  if (spawnSync(LOSETUP, ['-f'], { stdio: 'pipe' }).status !== 0) return 'no free loop device (losetup -f failed)';
  return undefined;
}

const kernelBlocker = kernelMountBlocker();
if (kernelBlocker !== undefined) {
  if (process.env.CI) throw new Error(`namespace kernel-mount tests: ${kernelBlocker}; CI must run them as root with loop devices`);
  console.warn(`skipping namespace kernel-mount checks: ${kernelBlocker}`);
}
/** True when the kernel can loop-mount images here. */
export const haveKernelMount = kernelBlocker === undefined;

/**
 * Mounts `image` with the kernel's ext2 (`mount -o loop,ro -t ext2`; read-write
 * with `writable`), runs `fn`, always unmounts and detaches.
 */
export function withKernelMount<T>(image: ScratchImage, fn: (mountPoint: string) => T, options: { writable?: boolean } = {}): T {
  const mnt = join(image.dir, 'mnt');
  mkdirSync(mnt, { recursive: true });
  const how = options.writable === true ? 'loop' : 'loop,ro';
  const r = spawnSync(MOUNT as string, ['-o', how, '-t', 'ext2', image.path, mnt], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount -o ${how} -t ext2 failed: ${r.stderr}`);
  try {
    return fn(mnt);
  } finally {
    spawnSync(UMOUNT as string, [mnt], { stdio: 'pipe' });
    const loops = spawnSync(LOSETUP as string, ['-j', image.path], { encoding: 'utf8' }).stdout ?? '';
    for (const line of loops.split('\n')) {
      const device = line.split(':')[0];
      if (device !== undefined && device.startsWith('/dev/loop')) spawnSync(LOSETUP as string, ['-d', device], { stdio: 'pipe' });
    }
  }
}

/** Asserts-free helper: the error code a promise rejects with, or 'resolved'. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}
