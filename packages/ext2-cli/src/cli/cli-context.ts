// What every verb gets: where to write, the global options (--json, --quiet,
// --verbose, --partition, --offset) and the environment. runCli builds one
// per invocation, so the command also runs in-process (tests, embedding).
import type { Readable, Writable } from 'node:stream';
import { describeFailure, formatFailure, formatFailureJson } from './error-report.js';
import { ExitCode } from './exit-codes.js';

/** The streams and environment a command run uses. */
export interface CliIo {
  stdout: Writable;
  /**
   * Writes text to stdout, in order with `stdout`'s writes; when absent,
   * text goes through `stdout.write`. (The command's entry writes text to a
   * file stdout without building Node's stream.)
   */
  writeText?: (text: string) => void;
  stderr: Writable;
  stdin: Readable;
  /** True when stderr is a terminal: only then is progress drawn. */
  stderrIsTTY: boolean;
  /** Environment variables (SOURCE_DATE_EPOCH, ...). */
  env: Record<string, string | undefined>;
  /** Host paths are relative to this directory. */
  cwd: string;
}

/** Options every verb accepts. */
export interface GlobalOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  /** 1-based partition number of a partitioned disk (MBR or GPT). */
  partition?: number;
  /** Byte offset of the filesystem inside the image file. */
  offset?: number;
}

/** One run of the command. */
export interface CliContext {
  readonly io: CliIo;
  readonly options: GlobalOptions;
  /** Writes to stdout (the verb's result). */
  out(text: string): void;
  /** Writes bytes to stdout, waiting when the reader is slower (backpressure). */
  outBytes(bytes: Uint8Array): Promise<void>;
  /** Writes a line to stderr unless --quiet (warnings, notes). */
  warn(text: string): void;
  /** Writes a line to stderr only with --verbose. */
  info(text: string): void;
  /** Set when a verb finished but something in it failed (e.g. one of several operands); decides exit 1. */
  failures: number;
  /** Reports a failure that does not stop the verb (one line, or JSON with --json) and counts it. */
  reportError(err: unknown): void;
  /** The exit code the reported failures call for (corruption 4 over unsupported 3 over failed 1). */
  failureCode: ExitCode;
}

/** Exit codes by how much they tell: a corrupt image matters more than one failed file. */
const SEVERITY: readonly ExitCode[] = [ExitCode.Ok, ExitCode.Usage, ExitCode.Failed, ExitCode.Unsupported, ExitCode.Corrupt];

export function createContext(io: CliIo, options: GlobalOptions, verb: string): CliContext {
  const ctx: CliContext = {
    io,
    options,
    failures: 0,
    failureCode: ExitCode.Failed,
    reportError: (err) => {
      ctx.failures++;
      const failure = describeFailure(verb, err);
      if (SEVERITY.indexOf(failure.exitCode) > SEVERITY.indexOf(ctx.failureCode)) ctx.failureCode = failure.exitCode;
      io.stderr.write(`${options.json ? formatFailureJson(failure) : formatFailure(failure)}\n`);
    },
    out: (text) => writeText(io, text),
    outBytes: (bytes) => writeWithBackpressure(io.stdout, bytes),
    warn: (text) => {
      if (!options.quiet) io.stderr.write(`${text}\n`);
    },
    info: (text) => {
      if (options.verbose && !options.quiet) io.stderr.write(`${text}\n`);
    },
  };
  return ctx;
}

/** Writes text to `io`'s stdout (through writeText when it has one). */
export function writeText(io: CliIo, text: string): void {
  if (io.writeText === undefined) io.stdout.write(text);
  else io.writeText(text);
}

/** Writes `bytes`; resolves once the stream can take more (or rejects on a stream error). */
export function writeWithBackpressure(stream: Writable, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(bytes, (err) => {
      if (err !== null && err !== undefined) reject(err);
    });
    if (ok) resolve();
    else {
      const onError = (err: Error): void => {
        stream.off('drain', onDrain);
        reject(err);
      };
      const onDrain = (): void => {
        stream.off('error', onError);
        resolve();
      };
      stream.once('drain', onDrain);
      stream.once('error', onError);
    }
  });
}
