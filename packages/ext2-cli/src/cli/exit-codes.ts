// The command's exit codes (issue 8) and which errors map to which.
//
//   0 ok, 1 the operation failed, 2 usage error (bad flags or operands),
//   3 the image uses a feature ext2-lite does not support,
//   4 corruption found (EUCLEAN from any verb; problems found by `check`).
import { isFsError } from '@iomap/core';
import { UsageError } from './usage-error.js';

/** Exit status of the `ext2-lite` command. */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Unsupported: 3,
  Corrupt: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code an error ends the command with. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof UsageError) return ExitCode.Usage;
  if (isFsError(err, 'EUCLEAN')) return ExitCode.Corrupt;
  if (isFsError(err, 'EOPNOTSUPP')) return ExitCode.Unsupported;
  return ExitCode.Failed;
}
