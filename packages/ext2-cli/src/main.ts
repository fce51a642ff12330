// The process entry point of the `ext2-lite` command (bin/ext2-lite.cjs calls
// runMain): real stdio, the exit code set on the process, and a closed
// stdout pipe (`ext2-lite cat big | head`) ending the command quietly.
import { fstatSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
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

/** /dev/null's device number (char 1:3), as st_rdev encodes it. */
const DEV_NULL_RDEV = (1 << 8) | 3;

/**
 * Whether stdout is a regular file or /dev/null. For such a descriptor
 * Node's process.stdout is a stream that writes with writeSync; writing
 * text with writeSync directly is the same, without building the stream
 * (and loading the stream modules: ~3 ms of a run). Pipes and terminals
 * (asynchronous or with state of their own) keep Node's stream.
 */
function stdoutIsFile(): boolean {
  try {
    const st = fstatSync(1);
    return st.isFile() || (st.isCharacterDevice() && st.rdev === DEV_NULL_RDEV);
  } catch {
    return false;
  }
}

/** Runs the command on this process's arguments and streams and sets process.exitCode. */
export async function runMain(): Promise<void> {
  let stdout: Writable | undefined;
  const stdoutStream = (): Writable => {
    if (stdout !== undefined) return stdout;
    stdout = process.stdout;
    stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
    return stdout;
  };
  let textBySyscall: boolean | undefined;
  let stderrIsTTY: boolean | undefined;
  // stdout, stdin and stderr are made on first use: most runs read no stdin, write nothing to stderr and only text to stdout.
  const io: CliIo = {
    get stdout() {
      return stdoutStream();
    },
    writeText: (text) => {
      // Once the stream exists, text goes through it, behind what it holds.
      if (stdout === undefined && (textBySyscall ??= stdoutIsFile())) writeSync(1, text);
      else stdoutStream().write(text);
    },
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
