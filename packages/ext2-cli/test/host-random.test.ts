// hostRandomFill: random bytes for a new filesystem's uuid and hash seed from
// /dev/urandom, and from node:crypto where /dev/urandom cannot be opened.
import * as fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hostRandomFill } from '../src/mkfs/host-random.js';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, openSync: vi.fn(real.openSync) };
});

const openSync = vi.mocked(fs.openSync);
afterEach(() => openSync.mockClear());

const distinct = (a: Uint8Array, b: Uint8Array): boolean => a.some((x, i) => x !== b[i]);

describe('hostRandomFill', () => {
  it('fills every byte from /dev/urandom: two fills differ, and neither is all zero', () => {
    const [a, b] = [new Uint8Array(64), new Uint8Array(64)];
    hostRandomFill(a);
    hostRandomFill(b);
    expect(openSync).toHaveBeenCalledWith('/dev/urandom', 'r');
    expect(distinct(a, b)).toBe(true);
    expect(a.some((x) => x !== 0)).toBe(true);
  });

  it('falls back to node:crypto when /dev/urandom cannot be opened', () => {
    openSync.mockImplementationOnce(() => {
      throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    });
    const a = new Uint8Array(64);
    hostRandomFill(a);
    expect(openSync).toHaveBeenCalledTimes(1);
    expect(a.some((x) => x !== 0)).toBe(true);
  });
});
