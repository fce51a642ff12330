// check IMAGE — a read-only consistency check (@iomap/ext2-lite's checker:
// bitmaps against reachable blocks and inodes, link counts, directory
// structure, free counts). Prints each problem and e2fsck's summary line;
// exit 0 when clean, 4 when problems were found.
import { check } from '@iomap/ext2-lite';
import { parseImageOperand } from '../address/image-address.js';
import { openImageDevice } from '../address/open-image.js';
import { about } from '../cli/error-report.js';
import { ExitCode } from '../cli/exit-codes.js';
import { examples, type VerbDefinition } from '../cli/verb.js';

export const defineCheck: VerbDefinition = (program, run) => {
  program
    .command('check')
    .summary('check an image for consistency (read-only, like e2fsck -fn)')
    .argument('<IMAGE>', 'the image')
    .addHelpText('after', examples('ext2-lite check disk.img && echo clean', 'ext2-lite check --json --partition 2 sdcard.img'))
    .action(
      run('check', async ({ ctx, operands }) => {
        const address = parseImageOperand(operands[0] as string, ctx.io.cwd);
        return about({ image: address.image }, async () => {
          const { file, device } = await openImageDevice(ctx, address, false);
          try {
            const report = await check(device);
            const s = report.summary;
            const pct = s.inodesUsed === 0 ? 0 : (100 * s.nonContiguous) / s.inodesUsed;
            const line = `${address.image}: ${s.inodesUsed}/${s.inodesCount} files (${pct.toFixed(1)}% non-contiguous), ${s.blocksUsed}/${s.blocksCount} blocks`;
            if (ctx.options.json) ctx.out(`${JSON.stringify({ image: address.image, ...report }, null, 2)}\n`);
            else {
              for (const p of report.problems) ctx.out(`${p.severity === 'error' ? 'ERROR' : 'warning'} ${p.code}: ${p.message}\n`);
              if (report.omitted > 0) ctx.out(`... and ${report.omitted} more problems\n`);
              ctx.out(`${line}${report.clean ? '' : ` — ${report.errorCount} problem${report.errorCount === 1 ? '' : 's'} found`}\n`);
            }
            return report.clean ? ExitCode.Ok : ExitCode.Corrupt;
          } finally {
            await file.close();
          }
        });
      }),
    );
};
