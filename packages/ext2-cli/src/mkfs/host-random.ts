// Random bytes for a new filesystem's uuid and hash seed. Loading node:crypto
// (what crypto.getRandomValues needs) costs a short command ~3 ms; reading
// /dev/urandom costs nothing that is not loaded already. Where it cannot be
// read (Windows), node:crypto fills the bytes.
import { closeSync, openSync, readSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';

/** Fills `bytes` from /dev/urandom, or node:crypto when it cannot be read. */
export function hostRandomFill(bytes: Uint8Array): void {
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, null);
      if (n === 0) throw new Error('/dev/urandom ended');
      done += n;
    }
    return;
  } catch {
    randomFillSync(bytes);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
