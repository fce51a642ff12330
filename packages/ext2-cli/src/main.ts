// The process entry point of the `ext2-lite` command (bin/ext2-lite.cjs calls
// runMain): real stdio, the exit code set on the process, and a closed
// stdout pipe (`ext2-lite cat big | head`) ending the command quietly.
import { runCli } from './cli/program.js';

/** Runs the command on this process's arguments and streams and sets process.exitCode. */
export async function runMain(): Promise<void> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
  });
}
