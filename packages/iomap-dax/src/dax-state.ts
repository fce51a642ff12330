// The per-file DAX state, kept beside the public DaxFile handle so that users
// see only the handle: the kernel keeps the same things in the file's address
// space (the DAX entries of its xarray).
//
//   entries   pages dirtied through writable views, with their device
//             address, flushed by daxSync (DAX-10)
//   pins      the live views returned by daxMap, waited for by
//             awaitLayoutIdle (DAX-11) and revoked when the blocks under them
//             change (DAX-3, DAX-4, DAX-8)
//   zeroPage  the shared zero page handed to read faults on holes (DAX-5)
import { FsError } from '@iomap/core';
import { DaxEntries } from './dax-entries.js';
import type { DaxFile } from './dax-file.js';
import { LayoutPins } from './layout-pins.js';
import { ZeroPage } from './zero-page.js';

/** Internal: everything the engine remembers about one DAX file. */
export interface DaxState {
  readonly entries: DaxEntries;
  readonly pins: LayoutPins;
  readonly zeroPage: ZeroPage;
}

const states = new WeakMap<DaxFile<unknown>, DaxState>();

/** Internal: called once by the DaxFile constructor. */
export function createDaxState(file: DaxFile<unknown>): void {
  states.set(file, { entries: new DaxEntries(), pins: new LayoutPins(), zeroPage: new ZeroPage() });
}

/** Internal: the state of a file; `EBADF` for anything that is not a DaxFile. */
export function daxState(file: DaxFile<unknown>): DaxState {
  const state = states.get(file);
  if (state === undefined) {
    throw new FsError('EBADF', 'not a DaxFile: open the file with new DaxFile({...}) first', { syscall: 'dax' });
  }
  return state;
}
