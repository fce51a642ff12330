import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 } from '../src/crc32.js';
import { encodeGuid, formatGuid, isGuid } from '../src/guid.js';
import { guidBytes, slowCrc32 } from './helpers/gpt-builder.js';

describe('crc32', () => {
  it('gives the standard check values', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('matches the bitwise definition and continues across pieces (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (data, cut) => {
        const at = data.length === 0 ? 0 : cut % data.length;
        expect(crc32(data)).toBe(slowCrc32(data));
        expect(crc32(data.subarray(at), crc32(data.subarray(0, at)))).toBe(crc32(data));
      }),
    );
  });
});

describe('GUIDs', () => {
  it('formats the mixed-endian on-disk form as sgdisk prints it', () => {
    const esp = Uint8Array.from([0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b]);
    expect(formatGuid(esp)).toBe('C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
    expect(encodeGuid('c12a7328-f81f-11d2-ba4b-00a0c93ec93b')).toEqual(esp);
    expect(guidBytes('C12A7328-F81F-11D2-BA4B-00A0C93EC93B')).toEqual(esp);
    expect(isGuid('C12A7328-F81F-11D2-BA4B-00A0C93EC93B')).toBe(true);
    expect(isGuid('C12A7328F81F11D2BA4B00A0C93EC93B')).toBe(false);
  });

  it('round-trips any 16 bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        expect(encodeGuid(formatGuid(b))).toEqual(b);
      }),
    );
  });
});
