// The command line: global options, one subcommand per verb (commander), and
// the run loop that turns an action's outcome into an exit code and errors
// into one-line reports.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, type Option } from 'commander';
import { ImagePool } from '../address/open-image.js';
import { createContext, writeText, type CliIo, type GlobalOptions } from './cli-context.js';
import { describeFailure, formatFailure, formatFailureJson } from './error-report.js';
import { ExitCode } from './exit-codes.js';
import type { VerbDefinition, VerbRunner } from './verb.js';
import { VERBS } from '../commands/verbs.js';

/**
 * This package's version from its package.json: two folders up from the
 * compiled module (dist/cli/program.js), one up from the bundle
 * (dist/ext2-lite.cjs). 'unknown' when neither is there.
 */
function packageVersion(): string {
  for (const relative of ['../../package.json', '../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === '@iomap/ext2-cli' && manifest.version !== undefined) return manifest.version;
    } catch {
      // not at this place; try the next
    }
  }
  return 'unknown';
}

function wholeNumber(what: string, min: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be a whole number${min > 0 ? ` of at least ${min}` : ''}`);
    return n;
  };
}

const DESCRIPTION = `Build, inspect and edit ext2 disk images without root, loop devices or native code.

Operands: IMAGE:PATH names PATH inside the image file IMAGE (IMAGE?offset=BYTES
for a filesystem at a byte offset); anything else is a host path; '-' is stdin
or stdout. Exit codes: 0 ok, 1 failed, 2 usage error, 3 unsupported feature,
4 corruption found.`;

/** Builds the program for one run; `setExit` receives the verb's exit code. */
function buildProgram(io: CliIo, argv: string[], setExit: (code: number) => void): Command {
  const json = argv.includes('--json');
  const program = new Command('ext2-lite')
    .description(DESCRIPTION)
    // package.json is read only when the version is asked for (a file read and a JSON parse on every run otherwise).
    .version(argv.includes('-V') || argv.includes('--version') ? packageVersion() : '', '-V, --version')
    .option('--json', 'machine-readable output (and errors) as JSON')
    .option('-q, --quiet', 'no warnings or progress on stderr')
    .option('-v, --verbose', 'say more on stderr')
    .option('--partition <N>', 'the filesystem is partition N (1-based) of an MBR or GPT disk image', wholeNumber('--partition', 1))
    .option('--offset <BYTES>', 'the filesystem starts at this byte offset of the image file', wholeNumber('--offset', 0))
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => writeText(io, text),
      writeErr: (text) => void io.stderr.write(text),
      outputError: (text, write) => {
        const message = text.replace(/^error: /, '').trim();
        if (json) write(`${JSON.stringify({ error: { code: 'EINVAL', message, exitCode: ExitCode.Usage } })}\n`);
        else write(`ext2-lite: ${message} (see ext2-lite --help)\n`);
      },
    });

  const run: VerbRunner = (verb, action) => async (...args) => {
    const command = args.at(-1) as Command;
    const options = args.at(-2) as never;
    const operands = (args.slice(0, -2) as (string | string[] | undefined)[]).flat().filter((a): a is string => a !== undefined);
    const globals = command.optsWithGlobals() as GlobalOptions;
    const ctx = createContext(io, { json: globals.json === true, quiet: globals.quiet === true, verbose: globals.verbose === true, partition: globals.partition, offset: globals.offset }, verb);
    const pool = new ImagePool(ctx);
    const report = (err: unknown): number => {
      const failure = describeFailure(verb, err);
      io.stderr.write(`${ctx.options.json ? formatFailureJson(failure) : formatFailure(failure)}\n`);
      return failure.exitCode;
    };
    let code: number;
    try {
      code = (await action({ ctx, pool, operands, options })) ?? (ctx.failures > 0 ? ctx.failureCode : ExitCode.Ok);
    } catch (err) {
      code = report(err);
    }
    try {
      await pool.closeAll();
    } catch (err) {
      const closeCode = report(err);
      if (code === ExitCode.Ok) code = closeCode;
    }
    setExit(code);
  };
  for (const define of VERBS as readonly VerbDefinition[]) define(program, run);
  return program;
}

/** The option of `options` whose short flag is `flag` ("-v"), if any. */
function shortOption(options: readonly Option[], flag: string): Option | undefined {
  return options.find((o) => o.short === flag);
}

/**
 * `argv` with a verb's own short flags that the program also has (setfattr's
 * -v VALUE beside the global -v, --verbose) spelled as the verb's long
 * option: commander lets a program option win anywhere on the line. Only
 * the arguments after the verb and before "--" change; values of options
 * are skipped, so "-n -v" keeps its value "-v".
 */
function preferVerbFlags(program: Command, argv: readonly string[]): string[] {
  const out = [...argv];
  let verb: Command | undefined;
  let i = 0;
  for (; i < out.length && verb === undefined; i++) {
    const arg = out[i] as string;
    if (arg === '--') return out;
    if (arg.startsWith('-')) {
      const option = arg.startsWith('--') ? program.options.find((o) => o.long === arg) : shortOption(program.options, arg);
      if (option?.required === true) i++;
      continue;
    }
    verb = program.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (verb === undefined) return out;
  }
  if (verb === undefined) return out;
  for (; i < out.length; i++) {
    const arg = out[i] as string;
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      if (!arg.includes('=') && verb.options.find((o) => o.long === arg)?.required === true) i++;
      continue;
    }
    if (!arg.startsWith('-') || arg.length < 2) continue;
    const flag = arg.slice(0, 2);
    const own = shortOption(verb.options, flag);
    if (own === undefined) continue;
    const shadowed = shortOption(program.options, flag) !== undefined && own.long !== undefined;
    if (arg.length > 2) {
      // "-vVALUE": the rest is the value when the option takes one.
      if (shadowed && own.required) out[i] = `${own.long as string}=${arg.slice(2)}`;
      continue;
    }
    if (shadowed) out[i] = own.long as string;
    if (own.required) i++;
  }
  return out;
}

/**
 * Runs the `ext2-lite` command with `argv` (the arguments after the program
 * name) on the given streams and resolves to its exit code. Never calls
 * process.exit, so it can run in-process.
 *
 * @example
 * ```ts
 * import { runCli } from '@iomap/ext2-cli';
 * const code = await runCli(['ls', '-l', 'disk.img:/'], {
 *   stdout: process.stdout, stderr: process.stderr, stdin: process.stdin,
 *   stderrIsTTY: false, env: process.env, cwd: process.cwd(),
 * });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = buildProgram(io, [...argv], (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return ExitCode.Usage;
  }
  try {
    await program.parseAsync(preferVerbFlags(program, argv), { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
    return benign ? ExitCode.Ok : ExitCode.Usage;
  }
  return exitCode;
}
