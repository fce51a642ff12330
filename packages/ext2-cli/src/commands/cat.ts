// cat IMAGE:PATH... — write files of an image to stdout, in order.
import { parseImageAddress } from '../address/image-address.js';
import { about } from '../cli/error-report.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { fileChunks } from '../image/file-data.js';
import { inodeAtPath, requireNotDirectory } from '../image/image-tree.js';

export const defineCat: VerbDefinition = (program, run) => {
  program
    .command('cat')
    .summary('print files from an image')
    .description('Write the contents of each file to standard output.')
    .argument('<IMAGE:PATH...>', 'files to print')
    .addHelpText('after', examples('ext2-lite cat disk.img:/etc/hostname'))
    .action(
      run('cat', async ({ ctx, pool, operands }) => {
        for (const operand of operands) {
          const address = parseImageAddress(operand, ctx.io.cwd);
          const { fs } = await pool.mount(address, false);
          await about({ image: address.image, path: address.path }, async () => {
            const file = await inodeAtPath(fs, address.path);
            requireNotDirectory(file.attrs, address.path, 'read');
            for await (const chunk of fileChunks(fs, file.inode)) await ctx.outBytes(chunk);
          });
        }
      }),
    );
};
