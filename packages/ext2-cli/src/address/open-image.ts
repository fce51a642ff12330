// Opening the image an operand names: the file (read-only for read verbs,
// so they cannot change it), then the filesystem's window of it — a
// partition of an MBR/GPT disk (--partition N), or a byte offset (--offset
// or IMAGE?offset=) — then the ext2 mount on that window.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { FsError, type BlockDevice } from '@iomap/core';
import { openPartition, SliceDevice } from '@iomap/blockdev';
import { FileDevice } from '@iomap/blockdev-node';
import { mount, type Ext2Filesystem } from '@iomap/ext2-lite';
import type { CliContext } from '../cli/cli-context.js';
import { about } from '../cli/error-report.js';
import { UsageError } from '../cli/usage-error.js';
import type { ImageAddress } from './image-address.js';
import type { FsPromises } from '@iomap/vfs';
import { imagePromises } from '../image/image-write.js';

/** The device an image address designates, with what must be closed afterwards. */
export interface OpenedDevice {
  /** The filesystem's window of the file. */
  device: BlockDevice;
  /** The image file itself. */
  file: FileDevice;
}

/** Where the filesystem starts: a partition, an offset, or the whole file. */
function windowOf(ctx: CliContext, address: ImageAddress): { partition?: number; offset?: number } {
  const partition = ctx.options.partition;
  const offset = address.offset ?? ctx.options.offset;
  if (partition !== undefined && offset !== undefined) {
    throw new UsageError(`${address.image}: give either --partition or an offset (--offset, ?offset=), not both`);
  }
  return { ...(partition === undefined ? {} : { partition }), ...(offset === undefined ? {} : { offset }) };
}

/**
 * Opens the file of `address` and the window the filesystem lives in.
 * Read-only unless `writable`. The caller closes `file`.
 */
export async function openImageDevice(ctx: CliContext, address: ImageAddress, writable: boolean): Promise<OpenedDevice> {
  const path = resolve(ctx.io.cwd, address.image);
  const file = await FileDevice.open(path, { readOnly: !writable });
  try {
    const { partition, offset } = windowOf(ctx, address);
    if (partition !== undefined) {
      return { file, device: await openPartition(file, partition, { readOnly: !writable }) };
    }
    if (offset !== undefined && offset !== 0) {
      if (offset >= file.size) {
        throw new FsError('EINVAL', `offset ${offset} is at or past the end of the ${file.size}-byte image`, { syscall: 'open', path: address.image });
      }
      return { file, device: new SliceDevice(file, offset, file.size - offset, { readOnly: !writable }) };
    }
    return { file, device: file };
  } catch (err) {
    await file.close();
    throw err;
  }
}

/** A mounted image and how to let go of it. */
export interface MountedImage {
  readonly address: ImageAddress;
  readonly fs: Ext2Filesystem;
  /** Node's fs/promises over `fs`, write methods included on a writable mount. */
  readonly fsp: FsPromises;
  readonly writable: boolean;
  readonly device: BlockDevice;
}

/**
 * The images one command run has open, each opened once: `cp a.img:/x
 * a.img:/y` reads and writes through the same mount. Open the image that is
 * written first; a later read-only request reuses the writable mount.
 */
export class ImagePool {
  private readonly open = new Map<string, { image: MountedImage; file: FileDevice }>();

  constructor(private readonly ctx: CliContext) {}

  private keyOf(address: ImageAddress): string {
    let real: string;
    try {
      real = realpathSync(resolve(this.ctx.io.cwd, address.image));
    } catch {
      real = resolve(this.ctx.io.cwd, address.image);
    }
    const { partition, offset } = windowOf(this.ctx, address);
    return `${real}\0${partition ?? ''}\0${offset ?? 0}`;
  }

  /** The mounted filesystem of `address`'s image (writable when asked). */
  async mount(address: ImageAddress, writable: boolean): Promise<MountedImage> {
    const key = this.keyOf(address);
    const known = this.open.get(key);
    if (known !== undefined) {
      if (writable && !known.image.writable) {
        throw new FsError('EBUSY', 'the image is already open read-only in this command', { syscall: 'open', path: address.image });
      }
      return known.image;
    }
    return about({ image: address.image, path: address.path }, async () => {
      const { file, device } = await openImageDevice(this.ctx, address, writable);
      try {
        const fs = await mount(device, { readOnly: !writable });
        for (const warning of fs.info.warnings) this.ctx.info(`ext2-lite: ${address.image}: ${warning}`);
        const image: MountedImage = { address, fs, fsp: imagePromises(fs), writable, device };
        this.open.set(key, { image, file });
        return image;
      } catch (err) {
        await file.close();
        throw err;
      }
    });
  }

  /**
   * Unmounts every image (writing back a writable one) and closes the files.
   * Every image is closed even when one fails; the first failure is thrown.
   */
  async closeAll(): Promise<void> {
    let first: unknown;
    for (const { image, file } of [...this.open.values()].reverse()) {
      try {
        await about({ image: image.address.image }, async () => {
          try {
            await image.fs.unmount();
            if (image.writable) await file.flush();
          } finally {
            await file.close();
          }
        });
      } catch (err) {
        first ??= err;
      }
    }
    this.open.clear();
    if (first !== undefined) throw first;
  }
}
