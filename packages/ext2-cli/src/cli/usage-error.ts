// A mistake in how the command was called (exit code 2): an unknown flag, a
// missing or malformed operand. Its message says what was expected.
import { FsError } from '@iomap/core';

/**
 * The command line itself is wrong; the message names the operand or flag
 * and what it should look like.
 */
export class UsageError extends FsError {
  constructor(detail: string) {
    super('EINVAL', detail, { syscall: 'usage' });
    this.name = 'UsageError';
  }
}
