// mkfs's flags (mke2fs letters) turned into @iomap/ext2-lite MkfsOptions.
import type { MkfsOptions } from '@iomap/ext2-lite';
import { UsageError } from '../cli/usage-error.js';
import { parseCount, parseSize } from '../show/sizes.js';
import { hostRandomFill } from './host-random.js';

/** The flags as commander hands them over. */
export interface MkfsFlags {
  size?: string;
  blockSize?: string;
  inodeSize?: string;
  inodes?: string;
  bytesPerInode?: string;
  reservedPercent?: string;
  label?: string;
  uuid?: string;
  extended?: string[];
  features?: string[];
  populate?: string;
  /** -d DIR: the directory's xattrs too (getfattr). */
  xattrs?: boolean;
  reproducible?: boolean;
  squashOwners?: boolean;
  uid?: string;
  gid?: string;
}

/** -E options: root_owner=UID:GID and hash_seed=UUID, comma-separated, possibly repeated. */
function extendedOptions(values: readonly string[]): Pick<MkfsOptions, 'rootOwner' | 'hashSeed'> {
  const out: Pick<MkfsOptions, 'rootOwner' | 'hashSeed'> = {};
  for (const item of values.flatMap((v) => v.split(',')).filter((v) => v !== '')) {
    const [key, value = ''] = item.split('=', 2) as [string, string?];
    if (key === 'root_owner') {
      const m = /^(\d+):(\d+)$/.exec(value);
      if (m === null) throw new UsageError(`-E root_owner=${value}: expected UID:GID, e.g. root_owner=1000:1000`);
      out.rootOwner = { uid: Number(m[1]), gid: Number(m[2]) };
    } else if (key === 'hash_seed') {
      out.hashSeed = value;
    } else {
      throw new UsageError(`-E ${item}: unknown extended option (ext2-lite knows root_owner=UID:GID and hash_seed=UUID)`);
    }
  }
  return out;
}

/** MkfsOptions from the flags (size is handled by the caller, which also sizes the file). */
export function mkfsOptionsOf(flags: MkfsFlags): MkfsOptions {
  const options: MkfsOptions = { ...extendedOptions(flags.extended ?? []), randomFill: hostRandomFill };
  if (flags.blockSize !== undefined) options.blockSize = parseSize(flags.blockSize, '-b');
  if (flags.inodeSize !== undefined) options.inodeSize = parseCount(flags.inodeSize, '-I');
  if (flags.inodes !== undefined) options.inodeCount = parseCount(flags.inodes, '-N');
  if (flags.bytesPerInode !== undefined) options.bytesPerInode = parseSize(flags.bytesPerInode, '-i');
  if (flags.inodes !== undefined && flags.bytesPerInode !== undefined) throw new UsageError('give -N (inodes) or -i (bytes per inode), not both');
  if (flags.reservedPercent !== undefined) {
    const pct = Number(flags.reservedPercent);
    if (!/^\d+(\.\d+)?$/.test(flags.reservedPercent) || pct > 50) throw new UsageError(`-m ${flags.reservedPercent}: reserved percentage must be a number from 0 to 50`);
    options.reservedPercent = pct;
  }
  if (flags.label !== undefined) options.label = flags.label;
  if (flags.uuid !== undefined) options.uuid = flags.uuid;
  if (flags.features !== undefined) options.features = flags.features.join(',');
  return options;
}
