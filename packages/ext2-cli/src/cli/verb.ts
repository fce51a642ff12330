// The shape of one verb: its commander definition and its action. Each verb
// lives in commands/<verb>.ts and registers itself through `defineVerb`.
import type { Command } from 'commander';
import type { ImagePool } from '../address/open-image.js';
import type { CliContext } from './cli-context.js';
import type { ExitCode } from './exit-codes.js';

/** What an action gets: the run's context, the image pool, the operands and the verb's own options. */
export interface VerbCall<O> {
  ctx: CliContext;
  pool: ImagePool;
  operands: string[];
  options: O;
}

/** A verb's action: resolves to an exit code, or to nothing (0, or 1 when ctx.failures > 0). */
export type VerbAction<O> = (call: VerbCall<O>) => Promise<ExitCode | void>;

/** Runs actions with the context, pool and error reporting of one command run. */
export type VerbRunner = <O>(verb: string, action: VerbAction<O>) => (...args: unknown[]) => Promise<void>;

/** A verb module: adds its subcommand to the program. */
export type VerbDefinition = (program: Command, run: VerbRunner) => void;

/** The "Example:" block every verb's --help ends with. */
export function examples(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
