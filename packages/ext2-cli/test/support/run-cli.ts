// Running the command as a user would (spawning bin/ext2-lite.cjs with node)
// and in-process (runCli on memory streams, for the many small cases).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/index.js';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(PACKAGE_ROOT, 'bin', 'ext2-lite.cjs');

/** What one run of the command produced. */
export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** stdout as UTF-8. */
  out: string;
}

export interface RunOptions {
  cwd?: string;
  input?: Buffer | string;
  env?: Record<string, string | undefined>;
}

/** Spawns the real binary (`node bin/ext2-lite.cjs ...args`). */
export function runBin(args: readonly string[], options: RunOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    input: options.input ?? '',
    env: { ...process.env, ...options.env },
    maxBuffer: 1 << 30,
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString(), out: r.stdout.toString() };
}

/** Runs the command in this process (same code, sources instead of dist/). */
export async function runInProcess(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  const code = await runCli(args, {
    stdout,
    stderr,
    stdin: Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]),
    stderrIsTTY: false,
    env: { ...process.env, ...options.env },
    cwd: options.cwd ?? process.cwd(),
  });
  stdout.end();
  stderr.end();
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes, stderr: Buffer.concat(err).toString(), out: stdoutBytes.toString() };
}
