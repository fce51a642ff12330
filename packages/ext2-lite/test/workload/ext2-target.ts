// ext2-lite as a WorkloadTarget: a writable mount of a block device, its
// `.promises` as the Node-like API (xattrs too: setxattr, removexattr,
// getxattr, listxattr, named like the Linux syscalls), and
// remount = unmount + mount again on the same device (so everything the
// workload sees afterwards came from the device, not from a cache).
import type { BlockDevice } from '@iomap/core';
import { mount, type Ext2Filesystem } from '../../src/index.js';
import { fsPromisesTarget, type NodeLikeFsPromises, type WorkloadTarget } from './target.js';

/** The xattr calls of @iomap/vfs's fs.promises (named like the Linux syscalls). */
interface XattrPromises {
  setxattr(path: string, name: string, value: Uint8Array): Promise<void>;
  removexattr(path: string, name: string): Promise<void>;
  getxattr(path: string, name: string): Promise<Uint8Array>;
  listxattr(path: string): Promise<string[]>;
}

/** Options passed to mount() besides readOnly. */
export type Ext2MountExtras = Record<string, unknown>;

export interface Ext2Session {
  readonly target: WorkloadTarget;
  readonly device: BlockDevice;
  /** The current mount (a remount replaces it). */
  fs(): Ext2Filesystem;
  /** Unmounts (idempotent). */
  unmount(): Promise<void>;
}

/** Mounts `device` writable and wraps it as a WorkloadTarget. */
export async function openExt2(device: BlockDevice, extras: Ext2MountExtras = {}, readOnly = false): Promise<Ext2Session> {
  const mountIt = (): Promise<Ext2Filesystem> => mount(device, { ...extras, readOnly } as Parameters<typeof mount>[1]);
  let current: Ext2Filesystem | undefined = await mountIt();
  const live = (): Ext2Filesystem => {
    if (current === undefined) throw new Error('the workload filesystem is not mounted');
    return current;
  };
  // Every call goes to the current mount's `.promises`, so a remount is seen by the target.
  const fsp = new Proxy({} as NodeLikeFsPromises, {
    get: (_, name: string) => (...args: unknown[]) => {
      const promises = live().promises as unknown as Record<string, unknown>;
      const fn = promises[name];
      if (typeof fn !== 'function') throw new TypeError(`ext2-lite's fs.promises.${name} is not a function`);
      return (fn as (...a: unknown[]) => unknown).apply(promises, args);
    },
  });
  const xattr = (): XattrPromises => live().promises as unknown as XattrPromises;
  const target = fsPromisesTarget(fsp, {
    name: 'ext2-lite',
    root: '',
    umask: 0o022,
    sync: () => live().sync(),
    remount: async () => {
      await live().unmount();
      current = undefined;
      current = await mountIt();
    },
    xattrs: {
      setxattr: (path, name, value) => xattr().setxattr(path, name, value),
      removexattr: (path, name) => xattr().removexattr(path, name),
      getxattr: async (path, name) => new Uint8Array(await xattr().getxattr(path, name)),
      listxattr: (path) => xattr().listxattr(path),
    },
  });
  return {
    target,
    device,
    fs: live,
    unmount: async () => {
      if (current !== undefined) await current.unmount();
      current = undefined;
    },
  };
}
