// UUIDs for mkfs: s_uuid (the volume's identity) and s_hash_seed (the htree
// hash seed, 16 bytes that mke2fs fills the same way, from a UUID).
//
// Accepted spellings follow mke2fs -U / -E hash_seed=: the 36-character
// 8-4-4-4-12 hex form, the words "null"/"clear" (all zero) and "random"
// (version-4 random UUID). Bytes are stored in the order they are written,
// so formatUuid(parseUuid(s)) === s.toLowerCase().
import { FsError } from '@iomap/core';

/** Bytes in a UUID. */
export const UUID_BYTES = 16;

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

// crypto.getRandomValues exists in every runtime we target (Node >= 19,
// browsers, workers) but not in the ES2023 lib this package compiles against.
interface RandomSource {
  crypto?: { getRandomValues<T extends Uint8Array>(array: T): T };
}

/** Fills its argument with random bytes. */
export type RandomFill = (bytes: Uint8Array) => void;

/** crypto.getRandomValues, the default {@link RandomFill}. */
function cryptoFill(bytes: Uint8Array): void {
  const source = (globalThis as RandomSource).crypto;
  if (source === undefined) {
    throw new FsError('ENOSYS', 'no crypto.getRandomValues in this runtime; pass uuid and hashSeed explicitly', { syscall: 'mkfs' });
  }
  source.getRandomValues(bytes);
}

/** 16 random bytes (from `fill`) shaped as a version-4 UUID (RFC 4122 variant), like uuid_generate. */
export function randomUuid(fill: RandomFill = cryptoFill): Uint8Array {
  const bytes = new Uint8Array(UUID_BYTES);
  fill(bytes);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return bytes;
}

/**
 * Turns a UUID option into 16 bytes. `what` names the option in errors.
 * A Uint8Array must hold exactly 16 bytes (copied).
 */
export function parseUuid(value: string | Uint8Array, what: string, fill?: RandomFill): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== UUID_BYTES) throw new FsError('EINVAL', `${what} must be 16 bytes, got ${value.length}`, { syscall: 'mkfs' });
    return value.slice();
  }
  const word = value.toLowerCase();
  if (word === 'null' || word === 'clear') return new Uint8Array(UUID_BYTES);
  if (word === 'random') return randomUuid(fill);
  if (!UUID_PATTERN.test(value)) {
    throw new FsError('EINVAL', `${what} '${value}' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, or null/clear/random)`, { syscall: 'mkfs' });
  }
  const hex = value.replace(/-/g, '');
  const bytes = new Uint8Array(UUID_BYTES);
  for (let i = 0; i < UUID_BYTES; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
