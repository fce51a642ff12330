// The `options` argument of Node's fs functions: undefined/null for the
// defaults, a string meaning `{ encoding }`, or an object (Node's getOptions).
import { ArgumentTypeError, describeReceived } from './argument-errors.js';
import { checkEncoding } from './text-encoding.js';

/** A validated options argument; `encoding` is canonical (`'utf8'`, `'buffer'`, …) or undefined. */
export interface CallOptions {
  readonly encoding: ReturnType<typeof checkEncoding>;
  readonly signal: AbortSignal | undefined;
  readonly [key: string]: unknown;
}

/**
 * Validates an options argument the way Node's getOptions does.
 *
 * @example
 * ```ts
 * callOptions('utf8').encoding; // 'utf8'
 * callOptions({ withFileTypes: true }).withFileTypes; // true
 * ```
 */
export function callOptions(options: unknown): CallOptions {
  if (options === undefined || options === null || typeof options === 'function') {
    return { encoding: undefined, signal: undefined };
  }
  if (typeof options === 'string') return { encoding: checkEncoding(options), signal: undefined };
  if (typeof options !== 'object') {
    throw new ArgumentTypeError(
      'ERR_INVALID_ARG_TYPE',
      `The "options" argument must be of type string or an instance of Object. ${describeReceived(options)}`,
    );
  }
  const record = options as Record<string, unknown>;
  const signal = record['signal'];
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ArgumentTypeError(
      'ERR_INVALID_ARG_TYPE',
      `The "options.signal" property must be an instance of AbortSignal. ${describeReceived(signal)}`,
    );
  }
  return { ...record, encoding: checkEncoding(record['encoding']), signal };
}
