// Path arguments as Node takes them: a string, a Uint8Array (Node's Buffer)
// or a `file:` URL. Resolution works on bytes, so a Uint8Array path can name
// entries whose names are not valid UTF-8; errors show the path as a string,
// as Node's `err.path` does.
import { ArgumentTypeError, describeReceived } from './argument-errors.js';
import { decodeName, encodeName } from './name-bytes.js';

/**
 * A path as Node's fs functions accept it.
 *
 * @example
 * ```ts
 * const paths: PathLike[] = ['/etc/hosts', new TextEncoder().encode('/etc'), new URL('file:///etc')];
 * ```
 */
export type PathLike = string | Uint8Array | URL;

/** A path argument converted for resolution. */
export interface PathArgument {
  /** The path's bytes. */
  bytes: Uint8Array;
  /** The path as errors show it (`err.path`). */
  display: string;
}

/** Node's `fileURLToPath` for POSIX. */
function fileUrlPath(url: URL): string {
  if (url.protocol !== 'file:') {
    throw new ArgumentTypeError('ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
  }
  if (url.hostname !== '') {
    throw new ArgumentTypeError('ERR_INVALID_FILE_URL_HOST', 'File URL host must be "localhost" or empty on linux');
  }
  if (/%2f/i.test(url.pathname)) {
    throw new ArgumentTypeError('ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
  }
  return decodeURIComponent(url.pathname);
}

function rejectNul(hasNul: boolean, name: string, value: unknown): void {
  if (hasNul) {
    const shown = typeof value === 'string' ? `'${value.replace(/\0/g, '\\x00')}'` : describeReceived(value);
    throw new ArgumentTypeError(
      'ERR_INVALID_ARG_VALUE',
      `The argument '${name}' must be a string, Uint8Array, or URL without null bytes. Received ${shown}`,
    );
  }
}

/**
 * Validates a path argument and returns its bytes and display form. Throws
 * Node's `ERR_INVALID_ARG_TYPE` for other types and `ERR_INVALID_ARG_VALUE`
 * for paths containing NUL.
 *
 * @example
 * ```ts
 * toPathArgument('/a/é').bytes; // the UTF-8 bytes of '/a/é'
 * ```
 */
export function toPathArgument(path: unknown, name = 'path'): PathArgument {
  if (typeof path === 'string') {
    rejectNul(path.includes('\0'), name, path);
    return { bytes: encodeName(path), display: path };
  }
  if (path instanceof Uint8Array) {
    rejectNul(path.includes(0), name, path);
    return { bytes: path, display: decodeName(path) };
  }
  if (path instanceof URL) {
    const text = fileUrlPath(path);
    rejectNul(text.includes('\0'), name, text);
    return { bytes: encodeName(text), display: text };
  }
  throw new ArgumentTypeError(
    'ERR_INVALID_ARG_TYPE',
    `The "${name}" argument must be of type string or an instance of Buffer or URL. ${describeReceived(path)}`,
  );
}
