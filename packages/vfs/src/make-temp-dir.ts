// mkdtemp: a new directory named `prefix` + six random characters
// (letters and digits, as glibc's mkdtemp(3) picks them), mode 0o700 before
// the umask; names that exist already are retried. Errors name the path
// that was tried, as Node's do.
import { makeDirectory } from './make-directory.js';
import { encodeName } from './name-bytes.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import type { VfsContext } from './vfs-context.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** glibc gives up after this many names that all existed (TMP_MAX is larger; nothing here races that hard). */
const ATTEMPTS = 1000;

function randomSuffix(): Uint8Array {
  const random = new Uint8Array(6);
  globalThis.crypto.getRandomValues(random);
  return encodeName(Array.from(random, (byte) => LETTERS[byte % LETTERS.length]).join(''));
}

/**
 * mkdtemp(prefix): creates a uniquely named directory and returns its path's bytes.
 *
 * @example
 * ```ts
 * await makeTempDirectory(context, '/tmp/build-'); // '/tmp/build-Xy3a9Q'
 * ```
 */
export async function makeTempDirectory<I>(context: VfsContext<I>, prefix: PathLike): Promise<Uint8Array> {
  const base = toPathArgument(prefix, 'prefix').bytes;
  for (let attempt = 1; ; attempt++) {
    const path = new Uint8Array(base.length + 6);
    path.set(base);
    path.set(randomSuffix(), base.length);
    try {
      await makeDirectory(context, path, 0o700, 'mkdtemp');
      return path;
    } catch (err) {
      if ((err as { code?: string }).code === 'EEXIST' && attempt < ATTEMPTS) continue;
      throw err;
    }
  }
}

