// The shared zero page (DAX-5). A read fault on a HOLE or UNWRITTEN page maps
// this one page of zeros instead of allocating, as the kernel maps its zero
// page read-only into every process. A Uint8Array cannot be made read-only,
// so the rule "never store through a zero view" is enforced by detection: the
// page is checked whenever a view is mapped, released or synced, and a page
// found written is zeroed again and reported as a contract error.
import { IomapContractError, PAGE_SIZE } from '@iomap/core';

/** Internal: one file's shared zero page. */
export class ZeroPage {
  readonly #bytes = new Uint8Array(PAGE_SIZE);
  #handedOut = false;

  /** The page, for a read-only view of a hole. */
  view(): Uint8Array {
    this.#handedOut = true;
    return this.#bytes;
  }

  /** Throws `IomapContractError` (DAX-5) if someone stored into the zero page; zeroes it again first. */
  check(path: string | undefined): void {
    if (!this.#handedOut) return;
    const bytes = this.#bytes;
    const at = bytes.findIndex((b) => b !== 0);
    if (at < 0) return;
    const value = bytes[at] ?? 0;
    bytes.fill(0);
    throw new IomapContractError(
      'DAX-5',
      'a read fault on a hole maps the shared zero page, which must never be written',
      `byte ${at} of the zero page holds 0x${value.toString(16).padStart(2, '0')}; ` +
        'map the range with { write: true } (a write fault allocates a block) before storing',
      path === undefined ? { syscall: 'dax_fault' } : { syscall: 'dax_fault', path },
    );
  }
}
