// tail [-n N] IMAGE:PATH — the last N lines (default 10) of a file in an
// image. Reads backwards from the end in blocks, so the tail of a huge log
// costs a few reads, not the whole file.
import type { Ext2Filesystem, Ext2Inode } from '@iomap/ext2-lite';
import { parseImageAddress } from '../address/image-address.js';
import { about } from '../cli/error-report.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { inodeAtPath, requireNotDirectory } from '../image/image-tree.js';
import { parseCount } from '../show/sizes.js';

const STEP = 64 * 1024;
const NEWLINE = 0x0a;

/** Byte offset where the last `lines` lines of the file start. */
async function tailStart(fs: Ext2Filesystem, inode: Ext2Inode, size: number, lines: number): Promise<number> {
  if (lines === 0) return size;
  let end = size;
  // A final newline ends the last line; it does not start another one.
  let wanted = lines + 1;
  const last = new Uint8Array(1);
  if (size > 0 && (await fs.read(inode, size - 1, last)) === 1 && last[0] !== NEWLINE) wanted = lines;
  while (end > 0) {
    const start = Math.max(0, end - STEP);
    const buffer = new Uint8Array(end - start);
    const n = await fs.read(inode, start, buffer);
    for (let i = n - 1; i >= 0; i--) {
      if (buffer[i] === NEWLINE && --wanted === 0) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

export const defineTail: VerbDefinition = (program, run) => {
  program
    .command('tail')
    .summary('print the last lines of a file in an image')
    .argument('<IMAGE:PATH>', 'file to read')
    .option('-n, --lines <N>', 'how many lines', '10')
    .addHelpText('after', examples('ext2-lite tail -n 20 disk.img:/var/log/messages'))
    .action(
      run<{ lines: string }>('tail', async ({ ctx, pool, operands, options }) => {
        const lines = parseCount(options.lines, '-n');
        const address = parseImageAddress(operands[0] as string, ctx.io.cwd);
        const { fs } = await pool.mount(address, false);
        await about({ image: address.image, path: address.path }, async () => {
          const file = await inodeAtPath(fs, address.path);
          requireNotDirectory(file.attrs, address.path, 'read');
          let pos = await tailStart(fs, file.inode, file.attrs.size, lines);
          while (pos < file.attrs.size) {
            const buffer = new Uint8Array(Math.min(1 << 20, file.attrs.size - pos));
            const n = await fs.read(file.inode, pos, buffer);
            if (n === 0) break;
            await ctx.outBytes(buffer.subarray(0, n));
            pos += n;
          }
        });
      }),
    );
};
