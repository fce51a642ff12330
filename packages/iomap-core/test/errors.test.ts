// FsError and its subclasses: the shape of Node's ErrnoException (DESIGN.md,
// Conventions: Errors), Linux errno values, and messages a person can act on.
import { constants as osConstants, platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  CorruptFilesystemError,
  ERRNO,
  FsError,
  IomapContractError,
  UnsupportedFeatureError,
  isFsError,
  type ErrnoCode,
} from '../src/index.js';

/** Linux values from asm-generic/errno-base.h and asm-generic/errno.h. */
const LINUX_ERRNO: Record<ErrnoCode, number> = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  EBADR: 53,
  ENODATA: 61,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  EUCLEAN: 117,
  EDQUOT: 122,
  ECANCELED: 125,
};

const ALL_CODES = Object.keys(ERRNO) as ErrnoCode[];

/** Runs `fn` and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return expect.unreachable('expected the function to throw');
}

describe('ERRNO', () => {
  it('holds the Linux value of every code it lists', () => {
    expect({ ...ERRNO }).toEqual(LINUX_ERRNO);
  });

  it.runIf(platform() === 'linux')('agrees with the errno values Node reports on Linux', () => {
    const nodeErrno = osConstants.errno as Record<string, number | undefined>;
    let compared = 0;
    for (const code of ALL_CODES) {
      const nodeValue = nodeErrno[code];
      if (nodeValue === undefined) continue; // e.g. EUCLEAN, EBADR: not exported by Node
      expect(ERRNO[code], code).toBe(nodeValue);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });
});

describe('FsError', () => {
  it('carries code, negative errno, syscall and path like an ErrnoException', () => {
    const err = new FsError('ENOENT', 'no such file or directory', { syscall: 'open', path: '/a/b' });
    expect(err.code).toBe('ENOENT');
    expect(err.errno).toBe(-2);
    expect(err.syscall).toBe('open');
    expect(err.path).toBe('/a/b');
  });

  it.each(ALL_CODES)('reports %s with the negated Linux errno', (code) => {
    const err = new FsError(code, 'detail');
    expect(err.code).toBe(code);
    expect(err.errno).toBe(-LINUX_ERRNO[code]);
    expect(err.errno).toBeLessThan(0);
  });

  it('reports EUCLEAN as -117, ENOSPC as -28 and EINVAL as -22', () => {
    expect(new FsError('EUCLEAN', 'x').errno).toBe(-117);
    expect(new FsError('ENOSPC', 'x').errno).toBe(-28);
    expect(new FsError('EINVAL', 'x').errno).toBe(-22);
  });

  it("formats the message as `CODE: detail, syscall 'path'`", () => {
    const err = new FsError('ENOENT', 'no such file or directory', { syscall: 'open', path: '/etc/missing' });
    expect(err.message).toBe("ENOENT: no such file or directory, open '/etc/missing'");
  });

  it('formats the message as `CODE: detail, syscall` when there is no path', () => {
    const err = new FsError('EINVAL', 'length must be a positive integer', { syscall: 'fiemap' });
    expect(err.message).toBe('EINVAL: length must be a positive integer, fiemap');
    expect(err.path).toBeUndefined();
  });

  it("formats the message as `CODE: detail, 'path'` when there is no syscall", () => {
    const err = new FsError('EISDIR', 'is a directory', { path: '/dir' });
    expect(err.message).toBe("EISDIR: is a directory, '/dir'");
    expect(err.syscall).toBeUndefined();
  });

  it('formats the message as `CODE: detail` without context', () => {
    const err = new FsError('EIO', 'the device failed');
    expect(err.message).toBe('EIO: the device failed');
    expect(err.syscall).toBeUndefined();
    expect(err.path).toBeUndefined();
  });

  it('keeps an empty path in the message, quoted', () => {
    const err = new FsError('ENOENT', 'empty name', { syscall: 'open', path: '' });
    expect(err.message).toBe("ENOENT: empty name, open ''");
    expect(err.path).toBe('');
  });

  it('keeps the wrapped error as cause', () => {
    const inner = new RangeError('offset out of bounds');
    const err = new FsError('EIO', 'read failed', { syscall: 'read', cause: inner });
    expect(err.cause).toBe(inner);
  });

  it('keeps a non-Error cause as given', () => {
    const err = new FsError('EIO', 'read failed', { cause: { status: 3 } });
    expect(err.cause).toEqual({ status: 3 });
  });

  it('has no cause property when none is given', () => {
    const err = new FsError('EIO', 'read failed', { syscall: 'read' });
    expect(err.cause).toBeUndefined();
    expect(Object.hasOwn(err, 'cause')).toBe(false);
  });

  it('is an Error with name FsError and a stack', () => {
    const err = new FsError('EACCES', 'permission denied');
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(FsError);
    expect(err.name).toBe('FsError');
    expect(typeof err.stack).toBe('string');
    expect(String(err)).toBe('FsError: EACCES: permission denied');
  });

  it('can be handled like a node:fs error by checking err.code', async () => {
    const failing = async (): Promise<never> => {
      throw new FsError('ENOENT', 'no such file', { syscall: 'stat', path: '/x' });
    };
    await expect(failing()).rejects.toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'stat', path: '/x' });
  });
});

describe('CorruptFilesystemError', () => {
  const err = new CorruptFilesystemError(
    { structure: 'inode 12', location: 'block 1234' },
    'i_links_count is 0 for a linked inode',
    { syscall: 'lookup', path: '/lost' },
  );

  it('is an FsError with code EUCLEAN and errno -117', () => {
    expect(err).toBeInstanceOf(FsError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('EUCLEAN');
    expect(err.errno).toBe(-117);
    expect(err.name).toBe('CorruptFilesystemError');
    expect(isFsError(err, 'EUCLEAN')).toBe(true);
  });

  it('names the corrupt structure and where it was found', () => {
    expect(err.structure).toBe('inode 12');
    expect(err.location).toBe('block 1234');
    expect(err.message).toContain('corrupt inode 12 at block 1234');
    expect(err.message).toContain('i_links_count is 0 for a linked inode');
  });

  it('suggests repairing the image rather than retrying', () => {
    expect(err.message).toMatch(/repair/);
    expect(err.message).toMatch(/e2fsck/);
  });

  it('keeps the Node-style message shape with syscall and path', () => {
    expect(err.message).toMatch(/^EUCLEAN: corrupt inode 12 at block 1234: /);
    expect(err.message.endsWith(", lookup '/lost'")).toBe(true);
    expect(err.syscall).toBe('lookup');
    expect(err.path).toBe('/lost');
  });

  it('omits the location when none is known', () => {
    const noLocation = new CorruptFilesystemError({ structure: 'superblock' }, 's_magic is 0x0000');
    expect(noLocation.location).toBeUndefined();
    expect(noLocation.message).toBe(
      'EUCLEAN: corrupt superblock: s_magic is 0x0000 (check and repair the image, e.g. with e2fsck)',
    );
  });

  it('keeps the cause it wraps', () => {
    const inner = new FsError('ERANGE', 'block number out of range');
    const wrapped = new CorruptFilesystemError({ structure: 'indirect block' }, 'bad pointer', { cause: inner });
    expect(wrapped.cause).toBe(inner);
  });
});

describe('UnsupportedFeatureError', () => {
  it('is an FsError with code EOPNOTSUPP and errno -95', () => {
    const err = new UnsupportedFeatureError(['extents'], 'ext4 extents are not implemented');
    expect(err).toBeInstanceOf(FsError);
    expect(err.code).toBe('EOPNOTSUPP');
    expect(err.errno).toBe(-95);
    expect(err.name).toBe('UnsupportedFeatureError');
  });

  it('names the single unsupported feature', () => {
    const err = new UnsupportedFeatureError(['extents'], 'mount it with ext4 instead', { syscall: 'mount' });
    expect(err.features).toEqual(['extents']);
    expect(err.message).toBe('EOPNOTSUPP: unsupported feature extents: mount it with ext4 instead, mount');
  });

  it('names every unsupported feature', () => {
    const err = new UnsupportedFeatureError(['journal_dev', 'meta_bg', '64bit'], 'incompatible features set');
    expect(err.features).toEqual(['journal_dev', 'meta_bg', '64bit']);
    expect(err.message).toContain('unsupported features journal_dev, meta_bg, 64bit');
  });

  it('keeps its own copy of the feature list', () => {
    const features = ['extents'];
    const err = new UnsupportedFeatureError(features, 'x');
    features.push('flex_bg');
    expect(err.features).toEqual(['extents']);
  });
});

describe('IomapContractError', () => {
  const err = new IomapContractError('CORE-13', 'a mapping must cover pos', 'offset 8192 > pos 4096', {
    syscall: 'iomapBegin',
    path: 'inode 12',
  });

  it('is an FsError reported as EIO with errno -5', () => {
    expect(err).toBeInstanceOf(FsError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('EIO');
    expect(err.errno).toBe(-5);
    expect(err.name).toBe('IomapContractError');
  });

  it('names the spec ID and the rule that was broken', () => {
    expect(err.specId).toBe('CORE-13');
    expect(err.rule).toBe('a mapping must cover pos');
    expect(err.message).toBe(
      "EIO: iomap contract violated (CORE-13: a mapping must cover pos): offset 8192 > pos 4096, iomapBegin 'inode 12'",
    );
  });
});

describe('isFsError', () => {
  it('recognises FsError and every subclass', () => {
    expect(isFsError(new FsError('EIO', 'x'))).toBe(true);
    expect(isFsError(new CorruptFilesystemError({ structure: 'superblock' }, 'x'))).toBe(true);
    expect(isFsError(new UnsupportedFeatureError(['x'], 'x'))).toBe(true);
    expect(isFsError(new IomapContractError('CORE-1', 'r', 'x'))).toBe(true);
  });

  it('filters by code when one is given', () => {
    const err = new FsError('ENOSPC', 'no space left');
    expect(isFsError(err, 'ENOSPC')).toBe(true);
    expect(isFsError(err, 'EIO')).toBe(false);
    expect(isFsError(new IomapContractError('CORE-1', 'r', 'x'), 'EIO')).toBe(true);
  });

  it('rejects plain errors, look-alike objects and non-errors', () => {
    const lookAlike = Object.assign(new Error('ENOENT: x'), { code: 'ENOENT', errno: -2 });
    expect(isFsError(lookAlike)).toBe(false);
    expect(isFsError({ code: 'ENOENT', errno: -2, message: 'x' })).toBe(false);
    expect(isFsError(new Error('x'))).toBe(false);
    expect(isFsError('ENOENT')).toBe(false);
    expect(isFsError(undefined)).toBe(false);
    expect(isFsError(null)).toBe(false);
  });

  it('narrows an unknown caught value to FsError', () => {
    const err = thrown(() => {
      throw new FsError('EROFS', 'read-only', { syscall: 'write' });
    });
    if (!isFsError(err)) return expect.unreachable('expected an FsError');
    // Compiles only because isFsError narrowed `err`.
    expect(err.syscall).toBe('write');
  });
});
