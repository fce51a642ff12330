// fiemap [--json] IMAGE:PATH — a file's extents (FIEMAP): logical and
// physical ranges in blocks of the filesystem, like `filefrag -v` /
// debugfs `blocks`, with the extent flags.
import { FiemapExtentFlag } from '@iomap/core';
import { parseImageAddress } from '../address/image-address.js';
import { about } from '../cli/error-report.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { inodeAtPath } from '../image/image-tree.js';

const FLAG_WORDS: [number, string][] = Object.entries(FiemapExtentFlag).map(([name, bit]) => [bit, name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`))]);

export const defineFiemap: VerbDefinition = (program, run) => {
  program
    .command('fiemap')
    .summary("show a file's extents (where its blocks are)")
    .argument('<IMAGE:PATH>', 'the file')
    .addHelpText('after', examples('ext2-lite fiemap disk.img:/var/big.bin', 'ext2-lite fiemap --json disk.img:/boot/vmlinuz'))
    .action(
      run('fiemap', async ({ ctx, pool, operands }) => {
        const address = parseImageAddress(operands[0] as string, ctx.io.cwd);
        const { fs } = await pool.mount(address, false);
        await about({ image: address.image, path: address.path }, async () => {
          const file = await inodeAtPath(fs, address.path);
          const bs = fs.info.blockSize;
          const { extents } = await fs.fiemap(file.inode, { start: 0, length: Math.max(1, file.attrs.size) });
          const rows = extents.map((e) => ({
            logical: e.logical / bs,
            physical: Math.floor(e.physical / bs),
            blocks: Math.ceil(e.length / bs),
            logicalBytes: e.logical,
            physicalBytes: e.physical,
            lengthBytes: e.length,
            flags: FLAG_WORDS.filter(([bit]) => (e.flags & bit) !== 0).map(([, word]) => word),
          }));
          if (ctx.options.json) {
            ctx.out(`${JSON.stringify({ path: address.path, blockSize: bs, size: file.attrs.size, extents: rows }, null, 2)}\n`);
            return;
          }
          ctx.out(`${address.path}: ${rows.length} extent${rows.length === 1 ? '' : 's'}, block size ${bs}\n`);
          ctx.out(' ext   logical (blocks)   physical (blocks)   length  flags\n');
          rows.forEach((r, i) => {
            const range = (from: number, n: number): string => `${from}..${from + n - 1}`;
            ctx.out(`${String(i).padStart(4)}   ${range(r.logical, r.blocks).padStart(16)}   ${range(r.physical, r.blocks).padStart(17)}   ${String(r.blocks).padStart(6)}  ${r.flags.join(',')}\n`);
          });
        });
      }),
    );
};
