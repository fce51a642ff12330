// Test support for the ENGINE tests: scratch images made by mke2fs -d (so
// files exist without the namespace operations), mounts on a FileDevice
// over the image file, and a byte model of one file to compare against.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDevice } from '@iomap/blockdev-node';
import { mount, type Ext2Filesystem, type MountOptions } from '../../src/index.js';
import { fsckClean, makeImage, requireTool } from '../support/e2fsprogs.js';

/** Whether mke2fs and e2fsck are here (in CI their absence throws). */
export function haveTools(): boolean {
  return requireTool('mke2fs') !== undefined && requireTool('e2fsck') !== undefined;
}

/** A scratch image with empty files `files` (paths relative to the root; parents made). */
export interface Scratch {
  readonly dir: string;
  readonly img: string;
  cleanup(): void;
}

export interface ScratchOptions {
  blockSize: number;
  inodeSize?: number;
  sizeBytes: number;
  /** Files to create, with their initial contents (empty when omitted). */
  files?: Record<string, Uint8Array | undefined>;
  /** More mke2fs arguments. */
  extra?: string[];
}

/** Makes a scratch directory and an image in it (mke2fs -d from a generated tree). */
export function scratchImage(options: ScratchOptions): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'ext2-engine-'));
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  for (const [path, data] of Object.entries(options.files ?? {})) {
    const full = join(tree, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, data ?? new Uint8Array(0));
  }
  const img = makeImage(join(dir, 'fs.img'), {
    blockSize: options.blockSize,
    inodeSize: options.inodeSize ?? 256,
    sizeBytes: options.sizeBytes,
    extra: ['-d', tree, ...(options.extra ?? [])],
  });
  return { dir, img, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A mounted image file; `close` unmounts and closes the device. */
export interface Mounted {
  readonly fs: Ext2Filesystem;
  readonly device: FileDevice;
  close(): Promise<void>;
}

/** Mounts the image file `img` (writable unless options say otherwise). */
export async function mountFile(img: string, options: MountOptions = {}): Promise<Mounted> {
  const device = await FileDevice.open(img, options.readOnly === true ? { readOnly: true } : {});
  const fs = await mount(device, options);
  return {
    fs,
    device,
    async close() {
      try {
        await fs.unmount();
      } finally {
        await device.close();
      }
    },
  };
}

/** `e2fsck -fn` output lines that report a problem (empty when the image is clean), with the exit code. */
export function fsckProblems(img: string): string[] {
  const result = fsckClean(img);
  return result.clean ? [] : [`exit ${result.code}`, ...result.problems];
}

/** Reads all of `path` through the filesystem. */
export async function readAll(fs: Ext2Filesystem, path: string): Promise<Uint8Array> {
  const inode = await fs.inodeAt(path);
  const size = (await fs.getattr(inode)).size;
  const out = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    const n = await fs.read(inode, done, out.subarray(done));
    if (n === 0) break;
    done += n;
  }
  return out.subarray(0, done);
}

/** The expected bytes of one file (testkit's exerciser model). */
export { FileModel } from '@iomap/testkit';

/** First differing byte of two arrays, or -1 when equal (length difference counts). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
