// Opening what a FileDevice sits on: a regular image file or a block device.
//
// Steps: stat the path (decides O_CREAT and O_EXCL, and refuses FIFOs and
// character devices before open() could block on them) -> open -> fstat (the
// authoritative answer) -> exclusive claim -> size and logical block size.
// Any failure after open() closes the handle again.
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { FsError } from '@iomap/core';
import { probeSizeByReading, readSysfsGeometry } from './block-device-geometry.js';
import { claimExclusive, NO_CLAIM, type ExclusiveClaim } from './exclusive-claims.js';
import type { ResolvedFileDeviceOptions } from './file-device-options.js';
import { toFsError } from './node-errors.js';

/**
 * What a FileDevice is opened on: `'file'` (a regular image file) or
 * `'block'` (a block device such as `/dev/sdb` or `/dev/loop0`).
 *
 * @example
 * ```ts
 * const dev = await FileDevice.open(path);
 * if (dev.kind === 'block') console.log(`device of ${dev.size} bytes, sectors of ${dev.logicalBlockSize}`);
 * ```
 */
export type FileDeviceKind = 'file' | 'block';

/** An opened target, ready for a FileDevice. */
export interface OpenedTarget {
  handle: FileHandle;
  kind: FileDeviceKind;
  size: number;
  logicalBlockSize: number;
  /** True for an image file whose last byte is the device's last byte (a tail discard may truncate it). */
  endsAtFileEnd: boolean;
  claim: ExclusiveClaim;
}

interface Geometry {
  size: number;
  logicalBlockSize: number;
  endsAtFileEnd: boolean;
}

/** Opens `path` as described by `o`; every failure is an FsError. */
export async function openTarget(path: string, o: ResolvedFileDeviceOptions): Promise<OpenedTarget> {
  const before = await statIfExists(path);
  if (before === undefined && !o.create) {
    throw new FsError(
      'ENOENT',
      'no such file or device; check the path, or pass { create: true, size } to create a new image',
      {
        syscall: 'open',
        path,
      },
    );
  }
  if (before !== undefined) checkKind(before, path);
  const block = before?.isBlockDevice() ?? false;
  let flags = o.readOnly ? constants.O_RDONLY : constants.O_RDWR;
  if (before === undefined) flags |= constants.O_CREAT;
  // O_EXCL without O_CREAT on a block device is Linux's exclusive open.
  if (block && o.exclusive && !o.readOnly) flags |= constants.O_EXCL;

  let handle: FileHandle;
  try {
    handle = await open(path, flags, 0o666);
  } catch (err) {
    throw toFsError(err, 'open', path);
  }
  try {
    return await describeOpened(handle, path, o);
  } catch (err) {
    // The open's own error is what the caller needs; a failing close of the
    // half-opened handle would only hide it.
    await handle.close().catch(() => undefined);
    throw toFsError(err, 'open', path);
  }
}

async function statIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw toFsError(err, 'open', path);
  }
}

function checkKind(st: Stats, path: string): void {
  if (st.isFile() || st.isBlockDevice()) return;
  if (st.isDirectory()) {
    throw new FsError('EISDIR', 'is a directory; give the path of an image file or a block device', {
      syscall: 'open',
      path,
    });
  }
  throw new FsError(
    'ENOTBLK',
    'not a regular file or a block device (a FIFO, socket or character device cannot hold an image)',
    {
      syscall: 'open',
      path,
    },
  );
}

async function describeOpened(handle: FileHandle, path: string, o: ResolvedFileDeviceOptions): Promise<OpenedTarget> {
  const st = await handle.stat();
  checkKind(st, path);
  const kind: FileDeviceKind = st.isBlockDevice() ? 'block' : 'file';
  const identity = kind === 'block' ? `block:${st.rdev}` : `file:${st.dev}:${st.ino}`;
  const claim = o.exclusive && !o.readOnly ? claimExclusive(identity, path) : NO_CLAIM;
  try {
    const geometry =
      kind === 'block' ? await blockGeometry(handle, st, path, o) : await fileGeometry(handle, st, path, o);
    return { handle, kind, claim, ...geometry };
  } catch (err) {
    claim.release();
    throw err;
  }
}

/** Size and block size of an image file; extends it (sparse) when `size` asks for more. */
async function fileGeometry(
  handle: FileHandle,
  st: Stats,
  path: string,
  o: ResolvedFileDeviceOptions,
): Promise<Geometry> {
  let size = st.size;
  if (o.size !== undefined) {
    if (st.size < o.size) {
      if (o.readOnly) {
        throw new FsError(
          'EINVAL',
          `the file has ${st.size} bytes, fewer than size ${o.size}; open it writable to extend it, or leave size out`,
          { syscall: 'open', path },
        );
      }
      await handle.truncate(o.size); // extends with a hole: no blocks are allocated
    }
    size = o.size;
  }
  const fileSize = Math.max(st.size, size);
  return { size, logicalBlockSize: o.sectorSize ?? 512, endsAtFileEnd: fileSize === size };
}

/** Size and logical block size of a block device, from sysfs or by probing reads. */
async function blockGeometry(
  handle: FileHandle,
  st: Stats,
  path: string,
  o: ResolvedFileDeviceOptions,
): Promise<Geometry> {
  const probe = new Uint8Array(1);
  const found = (await readSysfsGeometry(st.rdev)) ?? {
    size: await probeSizeByReading(async (pos) => (await handle.read(probe, 0, 1, pos)).bytesRead),
    logicalBlockSize: 512,
  };
  if (o.size !== undefined && o.size > found.size) {
    throw new FsError(
      'EINVAL',
      `size ${o.size} is larger than the block device (${found.size} bytes); a device cannot grow`,
      {
        syscall: 'open',
        path,
      },
    );
  }
  if (o.sectorSize !== undefined && o.sectorSize < found.logicalBlockSize) {
    throw new FsError(
      'EINVAL',
      `sectorSize ${o.sectorSize} is smaller than the device's logical block size ${found.logicalBlockSize}; leave it out or use at least ${found.logicalBlockSize}`,
      { syscall: 'open', path },
    );
  }
  return {
    size: o.size ?? found.size,
    logicalBlockSize: o.sectorSize ?? found.logicalBlockSize,
    endsAtFileEnd: false,
  };
}
