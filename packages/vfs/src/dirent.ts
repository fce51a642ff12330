// Node's Dirent: a directory entry's name, the directory it was read from,
// and type predicates answered from the entry's type.
import { DirentType } from './file-mode.js';

/**
 * A directory entry as `readdir({ withFileTypes: true })` and `Dir.read()`
 * return it. `parentPath` is the directory as the caller named it (for
 * nested entries of a recursive read, joined like `path.join`); `path` is
 * its deprecated alias, kept because Node 20 code still reads it.
 *
 * @example
 * ```ts
 * for (const entry of await fsp.readdir('/etc', { withFileTypes: true })) {
 *   if (entry.isDirectory()) console.log(`${entry.parentPath}/${entry.name}/`);
 * }
 * ```
 */
export class Dirent<Name extends string | Uint8Array = string> {
  name: Name;
  parentPath: string;
  path: string;
  // Private so that Object.keys() shows only what Node's Dirent shows.
  readonly #type: DirentType;

  constructor(name: Name, type: DirentType, parentPath: string) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this.#type = type;
  }

  isFile(): boolean {
    return this.#type === DirentType.Regular;
  }

  isDirectory(): boolean {
    return this.#type === DirentType.Directory;
  }

  isSymbolicLink(): boolean {
    return this.#type === DirentType.Symlink;
  }

  isBlockDevice(): boolean {
    return this.#type === DirentType.BlockDevice;
  }

  isCharacterDevice(): boolean {
    return this.#type === DirentType.CharDevice;
  }

  isFIFO(): boolean {
    return this.#type === DirentType.Fifo;
  }

  isSocket(): boolean {
    return this.#type === DirentType.Socket;
  }
}
