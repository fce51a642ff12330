// CRC-32 as used by GPT (UEFI spec 2.10 §4.2, "CRC32"): the IEEE 802.3
// polynomial, reflected (0xEDB88320), initial value and final XOR 0xFFFFFFFF.
// The same checksum as zlib's crc32(); "123456789" gives 0xCBF43926.

const CRC32_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32 (IEEE, reflected) of `data`, as an unsigned 32-bit number.
 * Pass a previous result as `crc` to continue a checksum over several pieces.
 *
 * @example
 * ```ts
 * crc32(new Uint8Array([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39])); // 0xcbf43926
 * ```
 */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) {
    c = CRC32_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  }
  return ~c >>> 0;
}
