// Errors for bad arguments, shaped like Node's internal errors so code that
// checks `err.code === 'ERR_INVALID_ARG_TYPE'` or `instanceof TypeError`
// behaves the same on us as on node:fs. They are programming errors of the
// caller, not filesystem errors, which is why they are not FsErrors.

/** The Node error codes the adapter raises for bad arguments and misuse. */
export type NodeErrorCode =
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_INVALID_URL_SCHEME'
  | 'ERR_INVALID_FILE_URL_PATH'
  | 'ERR_INVALID_FILE_URL_HOST'
  | 'ERR_FS_FILE_TOO_LARGE'
  | 'ERR_DIR_CLOSED'
  | 'ERR_METHOD_NOT_IMPLEMENTED'
  | 'ERR_INCOMPATIBLE_OPTION_PAIR'
  | 'ERR_FS_INVALID_SYMLINK_TYPE';

/** A `TypeError` with a Node error code (wrong argument type or value). */
export class ArgumentTypeError extends TypeError {
  readonly code: NodeErrorCode;

  constructor(code: NodeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A `RangeError` with a Node error code (argument out of range). */
export class ArgumentRangeError extends RangeError {
  readonly code: NodeErrorCode;

  constructor(code: NodeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** An `Error` with a Node error code (misuse, such as reading a closed `Dir`). */
export class NodeStateError extends Error {
  readonly code: NodeErrorCode;

  constructor(code: NodeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The operation was cancelled through an `AbortSignal` (Node's `AbortError`). */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';

  constructor(cause: unknown) {
    super('The operation was aborted', { cause });
    this.name = 'AbortError';
  }
}

/** Node's wording of a received value, as in "Received type number (5)". */
export function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return `Received ${String(value)}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? `Received an instance of ${name}` : 'Received an object';
  }
  const shown = typeof value === 'string' ? `'${value.length > 25 ? `${value.slice(0, 25)}...` : value}'` : String(value);
  return `Received type ${typeof value} (${shown})`;
}

/** Throws `ERR_ABORTED`-style `AbortError` when `signal` has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}
