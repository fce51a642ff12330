// Writing file data so that blocks of zeros become holes (like `cp
// --sparse=always` and mke2fs -d): only runs of non-zero blocks are written,
// and the size is set at the end, so a hole at the tail costs nothing.
// Node.js cannot ask the host for a file's holes (no SEEK_DATA), so zero
// blocks are the only signal there is.

/** Where the bytes go: a positional write and a final size. */
export interface PositionalTarget {
  write(data: Uint8Array, position: number): Promise<void>;
  setSize(size: number): Promise<void>;
}

const ZERO_BLOCK = Buffer.alloc(64 * 1024);

/** Whether bytes [start, end) of `bytes` are all zero. */
function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  // Data blocks rarely start or end with a zero byte: most answers come from two reads.
  if (start === end) return true;
  if (bytes[start] !== 0 || bytes[end - 1] !== 0) return false;
  for (let at = start; at < end; at += ZERO_BLOCK.length) {
    const length = Math.min(end - at, ZERO_BLOCK.length);
    if (Buffer.compare(Buffer.from(bytes.buffer, bytes.byteOffset + at, length), ZERO_BLOCK.subarray(0, length)) !== 0) return false;
  }
  return true;
}

/**
 * Copies `chunks` to `target` block by block (`blockSize` bytes), skipping
 * all-zero blocks, then sets the size when the file ends in a hole.
 * `target` must start empty. Resolves to the bytes consumed.
 * `onBytes` reports progress.
 */
export async function writeSparse(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, target: PositionalTarget, blockSize: number, onBytes?: (n: number) => void): Promise<number> {
  let pos = 0;
  /** End of the last byte written: the file's size so far. */
  let end = 0;
  const write = async (data: Uint8Array, at: number): Promise<void> => {
    await target.write(data, at);
    end = at + data.length;
  };
  const each = async (chunk: Uint8Array): Promise<void> => {
    // Runs of non-zero blocks are written whole; zero blocks are skipped (holes read back as zeros).
    let runStart = -1;
    for (let at = 0; at < chunk.length; at += blockSize) {
      const zero = isZero(chunk, at, Math.min(chunk.length, at + blockSize));
      if (!zero && runStart === -1) runStart = at;
      else if (zero && runStart !== -1) {
        await write(chunk.subarray(runStart, at), pos + runStart);
        runStart = -1;
      }
    }
    if (runStart !== -1) await write(chunk.subarray(runStart), pos + runStart);
    pos += chunk.length;
    onBytes?.(chunk.length);
  };
  // An array (a small file read whole) is walked without an async iterator's promise per step.
  if (Symbol.iterator in chunks) for (const chunk of chunks) await each(chunk);
  else for await (const chunk of chunks) await each(chunk);
  // Only a trailing hole needs the size set explicitly.
  if (end !== pos) await target.setSize(pos);
  return pos;
}
