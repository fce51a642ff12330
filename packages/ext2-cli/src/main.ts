// The process entry point of the `ext2-lite` command (bin/ext2-lite.cjs calls
// runMain): real stdio, the exit code set on the process, and a closed
// stdout pipe (`ext2-lite cat big | head`) ending the command quietly.
import { fstatSync } from 'node:fs';
import type { CliIo } from './cli/cli-context.js';
import { runCli } from './cli/program.js';

/**
 * Whether stderr is a terminal. Node builds process.stderr (a stream, and
 * the stream modules behind it: ~2 ms) on first use; a descriptor that is
 * no character device cannot be a terminal, so a pipe or a file (scripts,
 * CI) is told without it.
 */
function stderrIsTerminal(): boolean {
  try {
    if (!fstatSync(2).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return process.stderr.isTTY === true;
}

/** Runs the command on this process's arguments and streams and sets process.exitCode. */
export async function runMain(): Promise<void> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  let stderrIsTTY: boolean | undefined;
  // stdin and stderr are made on first use: most runs read no stdin and write nothing to stderr.
  const io: CliIo = {
    stdout: process.stdout,
    get stderr() {
      return process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
    get stderrIsTTY() {
      return (stderrIsTTY ??= stderrIsTerminal());
    },
    env: process.env,
    cwd: process.cwd(),
  };
  process.exitCode = await runCli(process.argv.slice(2), io);
}
