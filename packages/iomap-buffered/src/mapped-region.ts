// A userspace stand-in for a shared file mapping (mmap): a MappedRegion reads
// through read faults and writes through the write-fault path (BUF-28,
// iomap_page_mkwrite), and sync() is msync.
//
// The first store to a folio takes the write fault: the folio is locked,
// checked to still belong to the file and to lie inside EOF, the filesystem
// maps (allocates or reserves) the in-EOF part with op WRITE|FAULT, the
// whole folio is dirtied and its writeback waited for. Later stores go
// straight into folio memory until writeback starts, which write-protects
// the folio again (writeMapped is cleared), so the next store faults again.
import { FsError, IomapContractError, IomapIter, IomapOp, PAGE_SIZE, checkRange, iomapLoop } from '@iomap/core';
import type { AddressSpace } from './address-space.js';
import type { Folio } from './folio.js';
import { dirtyFolio } from './folio-ops.js';
import { uptodateFolio } from './folio-fill.js';

/**
 * The write fault of a mapped folio (BUF-28). Resolves `true` with the folio
 * still locked; `false` (unlocked) when the folio left the file meanwhile
 * and the fault must be retried. `EFAULT` (the SIGBUS of a mapping) when the
 * folio lies wholly past EOF. The folio must be uptodate (a read fault came
 * first).
 *
 * @example
 * ```ts
 * if (await pageMkwrite(file, folio)) { folio.data[0] = 1; folio.lock.unlock(); }
 * ```
 */
export async function pageMkwrite<I>(mapping: AddressSpace<I>, folio: Folio): Promise<boolean> {
  await folio.lock.lock();
  if (folio.owner !== mapping) {
    folio.lock.unlock();
    return false;
  }
  try {
    if (folio.pos >= mapping.size) {
      throw new FsError('EFAULT', `write fault at ${folio.pos}, past EOF ${mapping.size} (SIGBUS)`, { syscall: 'page_mkwrite', path: mapping.name });
    }
    const length = Math.min(folio.size, mapping.size - folio.pos);
    const iter = new IomapIter<I>({ inode: mapping.inode, pos: folio.pos, length, op: IomapOp.Write | IomapOp.Fault });
    await iomapLoop(iter, mapping.ops, (it) => {
      if (!folio.uptodate) throw new IomapContractError('BUF-28', 'a write-faulted folio is uptodate', `folio at ${folio.pos}`);
      dirtyFolio(folio);
      it.advanceFull();
    });
    await folio.waitWriteback();
    return true;
  } catch (err) {
    folio.lock.unlock();
    throw err;
  }
}

/**
 * A mapped view of `[pos, pos + length)` of a file (a shared mmap).
 *
 * @example
 * ```ts
 * const region = new MappedRegion(file, 0, 8192);
 * await region.write(100, new Uint8Array([1, 2, 3])); // write fault, then a store
 * await region.sync();                                 // msync
 * ```
 */
export class MappedRegion<I = unknown> {
  constructor(
    readonly mapping: AddressSpace<I>,
    readonly pos: number,
    readonly length: number,
  ) {
    checkRange(pos, length, 'mmap');
  }

  /** Loads `buffer.length` bytes at `offset` of the region (read faults as needed). Past EOF: `EFAULT`. */
  async read(offset: number, buffer: Uint8Array): Promise<void> {
    await this.walk(offset, buffer.length, async (folio, at, from, n) => {
      buffer.set(folio.data.subarray(at - folio.pos, at - folio.pos + n), from);
    });
  }

  /** Stores `data` at `offset` of the region (write faults as needed). Past EOF: `EFAULT`. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    const m = this.mapping as AddressSpace<unknown>;
    await this.walk(offset, data.length, async (folio, at, from, n) => {
      const store = () => folio.data.set(data.subarray(from, from + n), at - folio.pos);
      if (folio.writeMapped && folio.dirty && folio.owner === m) return store();
      if (!(await pageMkwrite(m, folio))) return 'retry';
      folio.writeMapped = true;
      store();
      folio.lock.unlock();
    });
  }

  /** Writes the region's dirty data back and waits for it (msync). */
  async sync(): Promise<void> {
    await this.mapping.writeAndWaitRange(this.pos, this.pos + this.length);
  }

  private async walk(
    offset: number,
    length: number,
    fn: (folio: Folio, at: number, from: number, n: number) => Promise<void | 'retry'>,
  ): Promise<void> {
    checkRange(offset, length, 'mmap');
    if (offset + length > this.length) throw new FsError('EFAULT', `access ${offset}+${length} outside a ${this.length}-byte region`);
    const m = this.mapping as AddressSpace<unknown>;
    for (let done = 0; done < length; ) {
      const at = this.pos + offset + done;
      if (at >= Math.ceil(m.size / PAGE_SIZE) * PAGE_SIZE) {
        throw new FsError('EFAULT', `access at ${at} past the end of the file (SIGBUS)`, { path: m.name });
      }
      const folio = await uptodateFolio(m, at);
      if (folio.owner !== m) continue; // evicted meanwhile: its memory may be reused
      const n = Math.min(length - done, folio.end - at);
      if ((await fn(folio, at, done, n)) === 'retry') continue;
      done += n;
    }
  }
}
