// Operands name a place inside an image as IMAGE:PATH (e2tools style), with
// e2fsprogs' IMAGE?offset=BYTES for a filesystem at a byte offset of the
// file. Anything else is a host path.
//
// Image names may contain ':' themselves, so the split is at the first ':'
// whose left part names an existing file (or block device):
//   disk.img:/etc/hosts          -> image disk.img, path /etc/hosts
//   disk.img?offset=1048576:/etc -> image disk.img at byte 1 MiB, path /etc
//   backup:2024.img:/            -> image "backup:2024.img" if that file exists
//   ./notes:today.txt            -> host path (no existing file before a ':')
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../cli/usage-error.js';

/** A place inside an image. */
export interface ImageAddress {
  kind: 'image';
  /** The image file as given. */
  image: string;
  /** Byte offset from `?offset=`, if given. */
  offset?: number;
  /** Absolute path inside the image ('/' when none was given). */
  path: string;
}

/** A host path. */
export interface HostAddress {
  kind: 'host';
  path: string;
}

/** An operand, classified. `-` (stdin/stdout) is a host address with path '-'. */
export type Address = ImageAddress | HostAddress;

const OFFSET_SUFFIX = /^(.*)\?offset=([^?:]*)$/s;

/** Splits `IMAGE?offset=N` into the file and offset (undefined when there is no suffix). */
function splitOffset(text: string): { file: string; offset?: number } {
  const m = OFFSET_SUFFIX.exec(text);
  if (m === null) return { file: text };
  const digits = m[2] as string;
  if (!/^\d+$/.test(digits) || !Number.isSafeInteger(Number(digits))) {
    throw new UsageError(`'${text}': ?offset= takes a byte count (digits only), got '${digits}'`);
  }
  return { file: m[1] as string, offset: Number(digits) };
}

function isImageFile(file: string, cwd: string): boolean {
  if (file === '') return false;
  try {
    const st = statSync(resolve(cwd, file));
    return st.isFile() || st.isBlockDevice();
  } catch {
    return false;
  }
}

/** The path inside an image, made absolute ('' and 'etc' become '/' and '/etc'). */
function imagePath(text: string): string {
  if (text.includes('\0')) throw new UsageError('a path inside an image cannot contain a NUL byte');
  return text.startsWith('/') ? text : `/${text}`;
}

/**
 * Classifies one operand. `cwd` resolves image files for the existence test.
 *
 * @example
 * ```ts
 * parseAddress('disk.img:/etc', process.cwd()); // { kind: 'image', image: 'disk.img', path: '/etc' }
 * ```
 */
export function parseAddress(arg: string, cwd: string): Address {
  for (let i = arg.indexOf(':'); i !== -1; i = arg.indexOf(':', i + 1)) {
    const { file, offset } = splitOffset(arg.slice(0, i));
    if (isImageFile(file, cwd)) {
      return { kind: 'image', image: file, ...(offset === undefined ? {} : { offset }), path: imagePath(arg.slice(i + 1)) };
    }
  }
  return { kind: 'host', path: arg };
}

/**
 * An operand that must be inside an image (ls, cat, mkdir, ...). With
 * `bareImageIsRoot`, an existing image file with no ':PATH' means its root.
 */
export function parseImageAddress(arg: string, cwd: string, bareImageIsRoot = false): ImageAddress {
  const address = parseAddress(arg, cwd);
  if (address.kind === 'image') return address;
  if (bareImageIsRoot) {
    const { file, offset } = splitOffset(arg);
    if (isImageFile(file, cwd)) return { kind: 'image', image: file, ...(offset === undefined ? {} : { offset }), path: '/' };
  }
  const colon = arg.indexOf(':');
  const why =
    colon === -1
      ? 'a path without IMAGE: is a host path'
      : `'${splitOffset(arg.slice(0, colon)).file}' is not an existing image file`;
  throw new UsageError(`'${arg}': expected IMAGE:PATH, e.g. disk.img:/etc/hosts (${why})`);
}

/**
 * The operand of a whole-image verb (info, df, check, mkfs): IMAGE or
 * IMAGE?offset=N, optionally followed by ':PATH' (ignored). With
 * `mayNotExist` (mkfs) the file need not exist yet.
 */
export function parseImageOperand(arg: string, cwd: string, mayNotExist = false): ImageAddress {
  const address = parseAddress(arg, cwd);
  if (address.kind === 'image') return { ...address, path: '/' };
  const { file, offset } = splitOffset(arg);
  if (!mayNotExist && !isImageFile(file, cwd)) {
    throw new UsageError(`'${file}': no such image file (expected IMAGE, e.g. disk.img)`);
  }
  if (file === '') throw new UsageError('the image file name is empty');
  return { kind: 'image', image: file, ...(offset === undefined ? {} : { offset }), path: '/' };
}

/** `IMAGE:PATH` as it appears in messages. */
export function showAddress(address: Address): string {
  if (address.kind === 'host') return address.path;
  return `${address.image}${address.offset === undefined ? '' : `?offset=${address.offset}`}:${address.path}`;
}
