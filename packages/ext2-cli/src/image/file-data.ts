// Reading a file of an image in large pieces: 1 MiB reads take ext2-lite's
// uncached path (one device request per run), and the pieces go to the
// consumer one at a time so memory stays bounded whatever the file size.
import type { Ext2Filesystem, Ext2Inode } from '@iomap/ext2-lite';

export const CHUNK_BYTES = 1 << 20;

/**
 * The bytes of `inode` from `start` to its end, in chunks of at most
 * CHUNK_BYTES (each a fresh buffer sized to what is left: a 1 MiB buffer per
 * small file, zeroed and dropped, was most of the time of extracting a tree).
 */
export async function* fileChunks(fs: Ext2Filesystem, inode: Ext2Inode, start = 0): AsyncGenerator<Uint8Array> {
  let pos = start;
  for (;;) {
    const left = inode.size - pos;
    if (left <= 0) return;
    const buffer = new Uint8Array(Math.min(CHUNK_BYTES, left));
    const n = await fs.read(inode, pos, buffer);
    if (n === 0) return;
    yield buffer.subarray(0, n);
    pos += n;
  }
}
