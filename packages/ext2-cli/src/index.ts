// @iomap/ext2-cli — the `ext2-lite` command. The command is the product; the
// API below runs it in-process (tests, tools that embed it).

export { runCli } from './cli/program.js';
export type { CliIo } from './cli/cli-context.js';
export { ExitCode } from './cli/exit-codes.js';
export { runMain } from './main.js';
