// Getting one whole folio uptodate (a read fault): shared by mapped regions
// and the block-device cache.
import { FsError, PAGE_SIZE } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';
import { readFolios } from './read.js';
import { readaheadRange } from './readahead.js';

/**
 * The folio holding `pos`, every block uptodate: read from storage when
 * needed (a read fault). The result is not locked; its device error is
 * thrown when it cannot be filled.
 *
 * @example
 * ```ts
 * const folio = await uptodateFolio(mapping, 4096);
 * ```
 */
export async function uptodateFolio(mapping: AddressSpace<unknown>, pos: number): Promise<Folio> {
  if (Math.floor(pos / PAGE_SIZE) >= Math.ceil(mapping.size / PAGE_SIZE)) {
    throw new FsError('EIO', `position ${pos} is past the end (${mapping.size})`, { syscall: 'read', path: mapping.name });
  }
  for (;;) {
    const cached = mapping.lookup(pos);
    if (cached?.uptodate) return cached;
    if (cached === undefined) {
      const { folios, errors } = await readaheadRange(mapping, pos, 1);
      const made = folios.find((f) => f.pos <= pos && pos < f.end);
      if (made === undefined) continue;
      const err = errors.get(made);
      if (err !== undefined) throw err;
      return made;
    }
    await cached.lock.lock();
    if (cached.owner !== mapping || cached.uptodate) {
      cached.lock.unlock();
      continue;
    }
    const err = (await readFolios(mapping, [cached])).get(cached);
    if (err !== undefined) throw err;
    return cached;
  }
}

