// Node's errors become FsErrors: same code when core knows it (with Node's
// error as `cause`), EIO otherwise, and FsErrors pass through untouched.
import { FsError } from '@iomap/core';
import { describe, expect, it } from 'vitest';
import { toFsError } from '../src/node-errors.js';

function nodeError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, open '/x'`), { code, syscall: 'open', path: '/x' });
}

describe('toFsError', () => {
  it.each(['ENOENT', 'EACCES', 'EISDIR', 'EBUSY', 'ENOSPC', 'EROFS', 'EMFILE'])(
    'keeps the code %s, the path and the cause, with a hint',
    (code) => {
      const cause = nodeError(code);
      const err = toFsError(cause, 'open', '/images/a.img');
      expect(err).toBeInstanceOf(FsError);
      expect(err).toMatchObject({ code, syscall: 'open', path: '/images/a.img' });
      expect(err.cause).toBe(cause);
      expect(err.message).toMatch(new RegExp(`^${code}: .*; .*, open '/images/a.img'$`));
    },
  );

  it('maps a code core does not know to EIO, naming the original error', () => {
    const err = toFsError(nodeError('ECONNRESET'), 'read', '/dev/nbd0');
    expect(err.code).toBe('EIO');
    expect(err.message).toMatch(/ECONNRESET/);
  });

  it('maps an error without a code to EIO', () => {
    expect(toFsError('boom', 'write', '/x').code).toBe('EIO');
  });

  it('returns an FsError unchanged', () => {
    const original = new FsError('EUCLEAN', 'bad');
    expect(toFsError(original, 'read', '/x')).toBe(original);
  });
});
