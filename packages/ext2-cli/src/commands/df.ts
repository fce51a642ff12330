// df [--json] IMAGE... — space and inodes of each image's filesystem, as
// statfs reports them (blocks exclude metadata overhead, like Linux ext2).
import { parseImageOperand } from '../address/image-address.js';
import { about } from '../cli/error-report.js';
import { examples, type VerbDefinition } from '../cli/verb.js';

export const defineDf: VerbDefinition = (program, run) => {
  program
    .command('df')
    .summary('show free space and inodes')
    .argument('<IMAGE...>', 'images to report on')
    .option('-h, --human-readable', 'sizes in KiB/MiB/GiB instead of 1K-blocks')
    .addHelpText('after', examples('ext2-lite df disk.img', 'ext2-lite df --json disk.img'))
    .action(
      run<{ humanReadable?: boolean }>('df', async ({ ctx, pool, operands, options }) => {
        const rows: Record<string, number | string>[] = [];
        for (const operand of operands) {
          const address = parseImageOperand(operand, ctx.io.cwd);
          const { fs } = await pool.mount(address, false);
          await about({ image: address.image }, async () => {
            const s = await fs.statfs();
            rows.push({
              image: operand,
              blockSize: s.bsize,
              blocks: s.blocks,
              freeBlocks: s.bfree,
              availableBlocks: s.bavail,
              usedBlocks: s.blocks - s.bfree,
              inodes: s.files,
              freeInodes: s.ffree,
              usedInodes: s.files - s.ffree,
            });
          });
        }
        if (ctx.options.json) {
          ctx.out(`${JSON.stringify(operands.length === 1 ? rows[0] : rows, null, 2)}\n`);
          return;
        }
        const kib = (blocks: number, bs: number): string => {
          const bytes = blocks * bs;
          if (!options.humanReadable) return String(Math.floor(bytes / 1024));
          const units = ['K', 'M', 'G', 'T'];
          let v = bytes / 1024;
          let u = 0;
          while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
          }
          return `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
        };
        const table = [[options.humanReadable ? 'Size' : '1K-blocks', 'Used', 'Available', 'Use%', 'Inodes', 'IUsed', 'IFree', 'IUse%', 'Image']];
        for (const r of rows) {
          const bs = r.blockSize as number;
          const pct = (used: number, total: number): string => (total === 0 ? '-' : `${Math.ceil((100 * used) / total)}%`);
          const used = r.usedBlocks as number;
          const avail = r.availableBlocks as number;
          table.push([kib(r.blocks as number, bs), kib(used, bs), kib(avail, bs), pct(used, used + avail), String(r.inodes), String(r.usedInodes), String(r.freeInodes), pct(r.usedInodes as number, r.inodes as number), String(r.image)]);
        }
        const widths = (table[0] as string[]).map((_, c) => Math.max(...table.map((row) => (row[c] as string).length)));
        for (const row of table) ctx.out(`${row.map((cell, c) => (c === row.length - 1 ? cell : cell.padStart(widths[c] as number))).join(' ')}\n`);
      }),
    );
};
