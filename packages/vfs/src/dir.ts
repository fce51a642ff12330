// Node's Dir (what opendir returns): entries one at a time from an open
// directory, read lazily from the filesystem's readdir. Calls are served in
// order; after close, read and close reject with ERR_DIR_CLOSED, as in Node.
import { NodeStateError } from './argument-errors.js';
import type { Dirent } from './dirent.js';

// Node 20 defines Symbol.asyncDispose; older runtimes get Node's registered name.
const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose);

function dirClosed(): NodeStateError {
  return new NodeStateError('ERR_DIR_CLOSED', 'Directory handle was closed');
}

/**
 * An open directory.
 *
 * @example
 * ```ts
 * const dir = await fsp.opendir('/etc');
 * for await (const entry of dir) console.log(entry.name); // closes the Dir at the end
 * ```
 */
export class Dir<Name extends string | Uint8Array = string> {
  /** The directory's path, as given to opendir. */
  readonly path: string;
  readonly #entries: AsyncIterator<Dirent<Name>>;
  #closed = false;
  // Serializes read() and close() so entries come out in order.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, entries: AsyncIterator<Dirent<Name>>) {
    this.path = path;
    this.#entries = entries;
  }

  #enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** The next entry, or null after the last. */
  read(): Promise<Dirent<Name> | null> {
    if (this.#closed) return Promise.reject(dirClosed());
    return this.#enqueue(async () => {
      if (this.#closed) throw dirClosed();
      const next = await this.#entries.next();
      return next.done === true ? null : next.value;
    });
  }

  /** Closes the directory; reading afterwards, or closing again, rejects with ERR_DIR_CLOSED. */
  close(): Promise<void> {
    if (this.#closed) return Promise.reject(dirClosed());
    this.#closed = true;
    return this.#enqueue(async () => {
      await this.#entries.return?.();
    });
  }

  /** Iterates the remaining entries, closing the directory at the end (or on break). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Dirent<Name>, void, undefined> {
    try {
      for (let entry = await this.read(); entry !== null; entry = await this.read()) yield entry;
    } finally {
      if (!this.#closed) await this.close();
    }
  }

  /** Closes the directory unless already closed (for `await using`). */
  async [asyncDispose](): Promise<void> {
    if (!this.#closed) await this.close();
  }
}
