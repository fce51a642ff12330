// The bytes of a model file: a size plus 64 KiB chunks that were written,
// so a file with one block far past 64 MiB (the triple-indirect range of a
// 1 KiB-block image) costs one chunk of memory, not 64 MiB. Unwritten
// chunks read as zeros, like holes.

const CHUNK = 64 * 1024;

export class SparseBytes {
  private readonly chunks = new Map<number, Uint8Array>();
  size = 0;

  /** A copy holding the same bytes. */
  clone(): SparseBytes {
    const copy = new SparseBytes();
    copy.size = this.size;
    for (const [index, chunk] of this.chunks) copy.chunks.set(index, chunk.slice());
    return copy;
  }

  /** Bytes of `[pos, pos + length)` clipped to the size. */
  read(pos: number, length: number): Uint8Array {
    const end = Math.min(this.size, pos + length);
    const out = new Uint8Array(Math.max(0, end - pos));
    for (let at = pos; at < end; ) {
      const index = Math.floor(at / CHUNK);
      const inChunk = at - index * CHUNK;
      const n = Math.min(CHUNK - inChunk, end - at);
      const chunk = this.chunks.get(index);
      if (chunk !== undefined) out.set(chunk.subarray(inChunk, inChunk + n), at - pos);
      at += n;
    }
    return out;
  }

  /** All bytes (only for files small enough to hold in memory). */
  all(): Uint8Array {
    return this.read(0, this.size);
  }

  write(pos: number, data: Uint8Array): void {
    for (let done = 0; done < data.length; ) {
      const at = pos + done;
      const index = Math.floor(at / CHUNK);
      const inChunk = at - index * CHUNK;
      const n = Math.min(CHUNK - inChunk, data.length - done);
      let chunk = this.chunks.get(index);
      if (chunk === undefined) {
        chunk = new Uint8Array(CHUNK);
        this.chunks.set(index, chunk);
      }
      chunk.set(data.subarray(done, done + n), inChunk);
      done += n;
    }
    this.size = Math.max(this.size, pos + data.length);
  }

  /** Sets the size; bytes cut off are forgotten, so growing again shows zeros. */
  truncate(size: number): void {
    if (size < this.size) {
      for (const [index, chunk] of this.chunks) {
        const start = index * CHUNK;
        if (start >= size) this.chunks.delete(index);
        else if (start + CHUNK > size) chunk.fill(0, size - start);
      }
    }
    this.size = size;
  }

  /** Bytes of chunks holding data: an upper bound of the blocks the file may allocate. */
  get footprint(): number {
    return this.chunks.size * CHUNK;
  }

  /** Whether `other` (a whole file's bytes) equals these bytes. */
  equals(other: Uint8Array): boolean {
    if (other.length !== this.size) return false;
    for (let at = 0; at < this.size; at += CHUNK) {
      const n = Math.min(CHUNK, this.size - at);
      const chunk = this.chunks.get(at / CHUNK);
      const theirs = other.subarray(at, at + n);
      if (chunk === undefined) {
        for (const b of theirs) if (b !== 0) return false;
      } else {
        for (let i = 0; i < n; i++) if (chunk[i] !== theirs[i]) return false;
      }
    }
    return true;
  }

  /** Offset of the first byte differing from `other`, or -1 when they are equal. */
  firstDifference(other: Uint8Array): number {
    const n = Math.min(this.size, other.length);
    const mine = this.read(0, n);
    for (let i = 0; i < n; i++) if (mine[i] !== other[i]) return i;
    return this.size === other.length ? -1 : n;
  }
}
