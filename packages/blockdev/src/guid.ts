// GUIDs as GPT stores them (UEFI spec 2.10 appendix A): 16 bytes whose first
// three fields (32, 16 and 16 bits) are little-endian and whose last 8 bytes
// are stored as written. Text form is the usual 8-4-4-4-12 hex, upper case as
// sgdisk and sfdisk print it.

/** The all-zero GUID, which marks an unused GPT partition entry. */
export const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

/** Byte order of the text form's 16 hex pairs within the 16 stored bytes. */
const TEXT_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15] as const;

const hex2 = (b: number): string => b.toString(16).padStart(2, '0').toUpperCase();

/** Formats the 16 bytes at `bytes[offset…]` as `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`. */
export function formatGuid(bytes: Uint8Array, offset = 0): string {
  const h = TEXT_ORDER.map((i) => hex2(bytes[offset + i]!));
  return `${h.slice(0, 4).join('')}-${h.slice(4, 6).join('')}-${h.slice(6, 8).join('')}-${h
    .slice(8, 10)
    .join('')}-${h.slice(10).join('')}`;
}

/** True when `text` is a GUID in 8-4-4-4-12 hex form (any case). */
export function isGuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
}

/** Encodes a GUID in text form into its 16 stored bytes (the inverse of {@link formatGuid}). */
export function encodeGuid(text: string): Uint8Array {
  const digits = text.replace(/-/g, '');
  const out = new Uint8Array(16);
  TEXT_ORDER.forEach((byteIndex, i) => {
    out[byteIndex] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  });
  return out;
}
