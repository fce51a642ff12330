// The argument forms of FileHandle.read, normalized as Node 20 does:
//   read(buffer, offset?, length?, position?)
//   read(buffer, { offset, length, position })
//   read({ buffer, offset, length, position })
//   read()                          → a new 16 KiB buffer
// A position that is null, undefined, negative or not an integer means "at
// the file position, advancing it" (Node passes -1 down to libuv then).
import { ArgumentRangeError, ArgumentTypeError, describeReceived } from './argument-errors.js';

/**
 * Options of `FileHandle.read` in its object forms.
 *
 * @example
 * ```ts
 * await handle.read({ buffer: new Uint8Array(16), position: 4 });
 * await handle.read(buffer, { offset: 2, length: 8, position: null });
 * ```
 */
export interface ReadOptions<B extends Uint8Array = Uint8Array> {
  buffer?: B;
  /** Where in `buffer` to put the bytes. Default 0. */
  offset?: number | null;
  /** Bytes to read. Default: the rest of `buffer`. */
  length?: number | null;
  /** File position to read at; null/undefined reads at, and advances, the file position. */
  position?: number | bigint | null;
}

/** A normalized read request; `position` undefined means the file position. */
export interface ReadRequest<B extends Uint8Array = Uint8Array> {
  buffer: B;
  offset: number;
  length: number;
  position: number | undefined;
}

const DEFAULT_READ_BUFFER = 16 * 1024;

function outOfRange(name: string, range: string, value: unknown): ArgumentRangeError {
  return new ArgumentRangeError('ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`);
}

function checkOffsetArgument(offset: number): void {
  if (typeof offset !== 'number') {
    throw new ArgumentTypeError('ERR_INVALID_ARG_TYPE', `The "offset" argument must be of type number. ${describeReceived(offset)}`);
  }
  if (!Number.isInteger(offset)) throw outOfRange('offset', 'an integer', offset);
  if (offset < 0 || offset > Number.MAX_SAFE_INTEGER) throw outOfRange('offset', '>= 0 && <= 9007199254740991', offset);
}

function positionOf(position: unknown): number | undefined {
  if (typeof position === 'bigint') position = Number(position);
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) return undefined;
  return position;
}

function notUint8Array(value: unknown): ArgumentTypeError {
  return new ArgumentTypeError('ERR_INVALID_ARG_TYPE', `The "buffer" argument must be an instance of Uint8Array. ${describeReceived(value)}`);
}

/** Picks buffer, offset, length and position out of whichever form the call used. */
function unpack(args: readonly unknown[]): [buffer: Uint8Array, offset: unknown, length: unknown, position: unknown] {
  const [first, second, length, position] = args;
  if (ArrayBuffer.isView(first)) {
    if (!(first instanceof Uint8Array)) throw notUint8Array(first);
    if (second === null || typeof second !== 'object') return [first, second, length, position];
    const options = second as ReadOptions;
    return [first, options.offset, options.length, options.position];
  }
  if (first !== undefined && first !== null && typeof first !== 'object') {
    throw new ArgumentTypeError('ERR_INVALID_ARG_TYPE', `The "options" argument must be of type object. ${describeReceived(first)}`);
  }
  const options = (first ?? {}) as ReadOptions;
  const buffer = options.buffer ?? new Uint8Array(DEFAULT_READ_BUFFER);
  if (!(buffer instanceof Uint8Array)) throw notUint8Array(buffer);
  return [buffer, options.offset, options.length, options.position];
}

/**
 * Normalizes the arguments of `FileHandle.read`, with Node's argument errors.
 *
 * @example
 * ```ts
 * readRequest([buffer, 0, 4, 10]); // { buffer, offset: 0, length: 4, position: 10 }
 * ```
 */
export function readRequest(args: readonly unknown[]): ReadRequest {
  const [buffer, offset, length, position] = unpack(args);
  const start = (offset ?? 0) as number;
  checkOffsetArgument(start);
  const count = (length ?? buffer.byteLength - start) as number;
  if (typeof count !== 'number' || !Number.isInteger(count)) throw outOfRange('length', 'an integer', count);
  if (count < 0) throw outOfRange('length', '>= 0', count);
  if (count > 0 && start + count > buffer.byteLength) throw outOfRange('length', `<= ${buffer.byteLength - start}`, count);
  return { buffer, offset: start, length: count, position: positionOf(position) };
}
