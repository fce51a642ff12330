// The htree name hashes (EXT2.md 4.6): legacy, half-MD4 and TEA, each with a
// signed-char and an unsigned-char variant (s_flags says which the kernel
// that built the index used), seeded by s_hash_seed. Written from the
// published algorithms (MD4 rounds reduced to half, the TEA block cipher, the
// old "dx_hack" hash); the result has bit 0 cleared, as stored in dx entries.
//
// Worked example (checked against `debugfs -R "dx_hash -h half_md4 -s <seed> name"`):
// the name is packed into u32 words big-endian-first per 4 bytes, padded
// with (len | len << 8 | len << 16 | len << 24); half-MD4 consumes 32 bytes
// (8 words) per round, TEA 16 bytes (4 words).

/** dx_root_info.hash_version values (+3 = the unsigned-char variant, chosen by s_flags). */
export const DX_HASH_VERSION = { legacy: 0, halfMd4: 1, tea: 2, legacyUnsigned: 3, halfMd4Unsigned: 4, teaUnsigned: 5 } as const;

const rotl = (x: number, s: number): number => ((x << s) | (x >>> (32 - s))) >>> 0;

/** A name byte as C's `char` reads it: signed or unsigned. */
function charAt(name: Uint8Array, i: number, unsigned: boolean): number {
  const c = name[i] as number;
  return unsigned || c < 0x80 ? c : c - 256;
}

/** The old hash of the first htree implementation (dx_hack_hash). */
function legacyHash(name: Uint8Array, unsigned: boolean): number {
  let hash0 = 0x12a3fe2d;
  let hash1 = 0x37abe8f9;
  for (let i = 0; i < name.length; i++) {
    let hash = (hash1 + (hash0 ^ Math.imul(charAt(name, i, unsigned), 7152373))) >>> 0;
    if ((hash & 0x80000000) !== 0) hash = (hash - 0x7fffffff) >>> 0;
    hash1 = hash0;
    hash0 = hash;
  }
  return (hash0 << 1) >>> 0;
}

/** Packs up to num*4 bytes of `name` from `start` into `num` words (str2hashbuf). */
function packName(name: Uint8Array, start: number, num: number, unsigned: boolean): number[] {
  const len = name.length - start;
  let pad = (len | (len << 8)) >>> 0;
  pad = (pad | (pad << 16)) >>> 0;
  const out: number[] = [];
  let val = pad;
  const n = Math.min(len, num * 4);
  for (let i = 0; i < n; i++) {
    val = (charAt(name, start + i, unsigned) + (val << 8)) >>> 0;
    if (i % 4 === 3) {
      out.push(val);
      val = pad;
    }
  }
  if (out.length < num) out.push(val);
  while (out.length < num) out.push(pad);
  return out;
}

const F = (x: number, y: number, z: number): number => z ^ (x & (y ^ z));
const G = (x: number, y: number, z: number): number => ((x & y) + ((x ^ y) & z)) >>> 0;
const H = (x: number, y: number, z: number): number => x ^ y ^ z;
const K2 = 0x5a827999;
const K3 = 0x6ed9eba1;

/** Three reduced MD4 rounds over 8 words; updates buf in place. */
function halfMd4Transform(buf: number[], input: number[]): void {
  let [a, b, c, d] = buf as [number, number, number, number];
  const w = (i: number): number => input[i] as number;
  const round = (f: (x: number, y: number, z: number) => number, p: number, q: number, r: number, s: number, x: number, shift: number): number =>
    rotl((p + f(q, r, s) + x) >>> 0, shift);
  for (const [i0, i1, i2, i3] of [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
  ]) {
    a = round(F, a, b, c, d, w(i0 as number), 3);
    d = round(F, d, a, b, c, w(i1 as number), 7);
    c = round(F, c, d, a, b, w(i2 as number), 11);
    b = round(F, b, c, d, a, w(i3 as number), 19);
  }
  for (const [i0, i1, i2, i3] of [
    [1, 3, 5, 7],
    [0, 2, 4, 6],
  ]) {
    a = round(G, a, b, c, d, (w(i0 as number) + K2) >>> 0, 3);
    d = round(G, d, a, b, c, (w(i1 as number) + K2) >>> 0, 5);
    c = round(G, c, d, a, b, (w(i2 as number) + K2) >>> 0, 9);
    b = round(G, b, c, d, a, (w(i3 as number) + K2) >>> 0, 13);
  }
  for (const [i0, i1, i2, i3] of [
    [3, 7, 2, 6],
    [1, 5, 0, 4],
  ]) {
    a = round(H, a, b, c, d, (w(i0 as number) + K3) >>> 0, 3);
    d = round(H, d, a, b, c, (w(i1 as number) + K3) >>> 0, 9);
    c = round(H, c, d, a, b, (w(i2 as number) + K3) >>> 0, 11);
    b = round(H, b, c, d, a, (w(i3 as number) + K3) >>> 0, 15);
  }
  buf[0] = ((buf[0] as number) + a) >>> 0;
  buf[1] = ((buf[1] as number) + b) >>> 0;
  buf[2] = ((buf[2] as number) + c) >>> 0;
  buf[3] = ((buf[3] as number) + d) >>> 0;
}

/** 16 TEA rounds keyed by 4 words; updates buf[0..1] in place. */
function teaTransform(buf: number[], input: number[]): void {
  let sum = 0;
  let b0 = buf[0] as number;
  let b1 = buf[1] as number;
  const [a, b, c, d] = input as [number, number, number, number];
  for (let n = 0; n < 16; n++) {
    sum = (sum + 0x9e3779b9) >>> 0;
    b0 = (b0 + ((((b1 << 4) + a) ^ (b1 + sum) ^ ((b1 >>> 5) + b)) >>> 0)) >>> 0;
    b1 = (b1 + ((((b0 << 4) + c) ^ (b0 + sum) ^ ((b0 >>> 5) + d)) >>> 0)) >>> 0;
  }
  buf[0] = ((buf[0] as number) + b0) >>> 0;
  buf[1] = ((buf[1] as number) + b1) >>> 0;
}

/**
 * The htree hash of `name` (bit 0 cleared), or undefined for an unknown
 * version. `seed` is s_hash_seed; an all-zero seed means the default one.
 */
export function dxHash(version: number, name: Uint8Array, seed: readonly number[]): number | undefined {
  const unsigned = version >= DX_HASH_VERSION.legacyUnsigned;
  const base = unsigned ? version - 3 : version;
  const buf = seed.some((w) => w !== 0) && seed.length === 4 ? [...seed] : [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  let hash: number;
  if (base === DX_HASH_VERSION.legacy) {
    hash = legacyHash(name, unsigned);
  } else if (base === DX_HASH_VERSION.halfMd4) {
    for (let p = 0; p < name.length; p += 32) halfMd4Transform(buf, packName(name, p, 8, unsigned));
    hash = buf[1] as number;
  } else if (base === DX_HASH_VERSION.tea) {
    for (let p = 0; p < name.length; p += 16) teaTransform(buf, packName(name, p, 4, unsigned));
    hash = buf[0] as number;
  } else {
    return undefined;
  }
  return (hash & ~1) >>> 0;
}
