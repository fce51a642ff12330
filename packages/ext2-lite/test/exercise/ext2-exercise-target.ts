// One ext2-lite file as a testkit ExerciseTarget, driven the way Node code
// drives a file: FileHandle.read/write/truncate/stat/sync through
// `.promises`, and — for direct I/O — a second FileHandle of the same file
// opened with O_DIRECT. `remount` closes both handles, unmounts, mounts the
// device again and reopens. `close` unmounts and checks the image with
// e2fsck -fn (every run ends on a clean filesystem, or the run fails).
import { FsError, MemoryBlockDevice, type BlockDevice } from '@iomap/core';
import type { ExerciseTarget } from '@iomap/testkit';
import { mount, type Ext2Filesystem } from '../../src/index.js';
import { fsckProblems } from '../workload/host-tools.js';

/** A FileHandle as the target uses it. */
interface Handle {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  truncate(len: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

interface OpenCalls {
  open(path: string, flags: string | number, mode?: number): Promise<Handle>;
  constants: { O_RDWR: number; O_CREAT: number; O_DIRECT: number };
}

export interface Ext2ExerciseOptions {
  /** The starting image (copied for each target). */
  image: Uint8Array;
  /** Offer directRead/directWrite through an O_DIRECT handle. */
  direct: boolean;
  /** Mount options besides readOnly (cacheBytes, dax, ...). */
  mountOptions?: Record<string, unknown>;
  /** Device to mount (default: a MemoryBlockDevice holding a copy of the image). */
  device?: (image: Uint8Array) => BlockDevice & { bytes?: Uint8Array };
  /** Alignment of direct I/O (default 512, the device's logical block size). */
  directAlignment?: number;
}

const PATH = '/exercised';

async function readFully(h: Handle, pos: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await h.read(out, done, length - done, pos + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return out.subarray(0, done);
}

async function writeFully(h: Handle, pos: number, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await h.write(data, done, data.length - done, pos + done);
    if (bytesWritten <= 0) throw new FsError('EIO', `write made no progress at ${pos + done}`, { syscall: 'write' });
    done += bytesWritten;
  }
}

/** A fresh ext2-lite file on a fresh copy of the image, as an ExerciseTarget. */
export async function ext2ExerciseTarget(o: Ext2ExerciseOptions): Promise<ExerciseTarget> {
  const device = o.device ? o.device(o.image.slice()) : MemoryBlockDevice.from(o.image);
  let fs: Ext2Filesystem;
  let buffered: Handle;
  let direct: Handle | undefined;
  const open = async (): Promise<void> => {
    fs = await mount(device, { readOnly: false, ...o.mountOptions } as Parameters<typeof mount>[1]);
    const fsp = fs.promises as unknown as OpenCalls;
    const { O_RDWR, O_CREAT, O_DIRECT } = fsp.constants;
    buffered = await fsp.open(PATH, O_RDWR | O_CREAT, 0o644);
    direct = o.direct ? await fsp.open(PATH, O_RDWR | O_DIRECT) : undefined;
  };
  const shut = async (): Promise<void> => {
    await buffered.close();
    await direct?.close();
    await fs.unmount();
  };
  await open();
  const target: ExerciseTarget = {
    read: (pos, length) => readFully(buffered, pos, length),
    write: (pos, data) => writeFully(buffered, pos, data),
    truncate: (size) => buffered.truncate(size),
    size: async () => (await buffered.stat()).size,
    fsync: () => buffered.sync(),
    remount: async () => {
      await shut();
      await open();
    },
    close: async () => {
      await shut();
      const bytes = (device as { bytes?: Uint8Array }).bytes;
      if (bytes !== undefined) {
        const problems = fsckProblems(bytes);
        if (problems !== undefined) throw new FsError('EUCLEAN', `after the exerciser's run: ${problems}`, { syscall: 'exercise' });
      }
    },
  };
  if (!o.direct) return target;
  return {
    ...target,
    directRead: (pos, length) => readFully(direct as Handle, pos, length),
    directWrite: (pos, data) => writeFully(direct as Handle, pos, data),
    directAlignment: o.directAlignment ?? 512,
  };
}
