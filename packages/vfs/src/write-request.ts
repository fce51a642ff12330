// The argument forms of FileHandle.write and of writeFile's data, normalized
// as Node 20 does:
//   write(buffer, offset?, length?, position?)   write(buffer, { offset, length, position })
//   write(string, position?, encoding?)
// A position that is not a number means the file position; a negative or
// non-integer one too (libuv writes at the file position for those).
// writeFile and appendFile take a string (encoded with `encoding`), any
// ArrayBufferView, or an iterable / async iterable (a Node Readable is one)
// of strings and buffers.
import { ArgumentTypeError, describeReceived } from './argument-errors.js';
import { encodeText, type BufferEncoding } from './text-encoding.js';
import { checkInteger, invalidType, outOfRange } from './write-arguments.js';

/**
 * Options of `FileHandle.write` in its object form.
 *
 * @example
 * ```ts
 * await handle.write(bytes, { offset: 0, length: 4, position: 0 });
 * ```
 */
export interface WriteOptions {
  offset?: number | null;
  length?: number | null;
  position?: number | null;
}

/** A normalized write: the bytes to write and where (undefined: the file position). */
export interface WriteRequest {
  bytes: Uint8Array;
  position: number | undefined;
}

/** libuv's reading of a position: a safe non-negative integer, else "the file position". */
export function positionOf(position: unknown): number | undefined {
  return typeof position === 'number' && Number.isSafeInteger(position) && position >= 0 ? position : undefined;
}

function viewBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Normalizes the arguments of `FileHandle.write` for a buffer, with Node's
 * argument errors.
 *
 * @example
 * ```ts
 * bufferWriteRequest(bytes, 2, 3, null); // bytes 2..4 at the file position
 * ```
 */
export function bufferWriteRequest(buffer: ArrayBufferView, offsetOrOptions: unknown, lengthArg: unknown, positionArg: unknown): WriteRequest {
  let offset = offsetOrOptions;
  let length = lengthArg;
  let position = positionArg;
  if (offsetOrOptions !== null && typeof offsetOrOptions === 'object') {
    const options = offsetOrOptions as WriteOptions;
    offset = options.offset ?? 0;
    length = options.length ?? buffer.byteLength - (offset as number);
    position = options.position ?? null;
  }
  const start = offset === undefined || offset === null ? 0 : checkInteger(offset, 'offset', 0);
  const count = typeof length === 'number' ? length : buffer.byteLength - start;
  if (start > buffer.byteLength) throw outOfRange('offset', `<= ${buffer.byteLength}`, start);
  if (count > buffer.byteLength - start) throw outOfRange('length', `<= ${buffer.byteLength - start}`, count);
  if (count < 0) throw outOfRange('length', '>= 0', count);
  checkInteger(count, 'length', 0, 2 ** 31 - 1);
  return { bytes: viewBytes(buffer).subarray(start, start + count), position: positionOf(position) };
}

/**
 * Normalizes `FileHandle.write(string, position, encoding)`.
 *
 * @example
 * ```ts
 * stringWriteRequest('6869', 0, 'hex'); // bytes 'hi' at 0
 * ```
 */
export function stringWriteRequest(text: unknown, position: unknown, encoding: unknown): WriteRequest {
  if (typeof text !== 'string') throw invalidType('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', text);
  const known = typeof encoding === 'string' ? tryEncoding(encoding) : undefined;
  if (known === 'hex' && text.length % 2 !== 0) {
    throw new ArgumentTypeError('ERR_INVALID_ARG_VALUE', `The argument 'encoding' is invalid for data of length ${text.length}. Received '${encoding as string}'`);
  }
  // An unknown encoding writes UTF-8, as Node's binding does.
  return { bytes: encodeText(text, known), position: positionOf(position) };
}

function tryEncoding(encoding: string): BufferEncoding | undefined {
  try {
    encodeText('', encoding as BufferEncoding);
    return encoding.toLowerCase() as BufferEncoding;
  } catch {
    return undefined;
  }
}

/**
 * What writeFile and appendFile accept as data.
 *
 * @example
 * ```ts
 * const parts: WriteFileData = ['line 1\n', new Uint8Array([0x32, 0x0a])];
 * ```
 */
export type WriteFileData = string | ArrayBufferView | Iterable<string | ArrayBufferView> | AsyncIterable<string | ArrayBufferView>;

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const record = value as Record<symbol, unknown>;
  return typeof record[Symbol.iterator] === 'function' || typeof record[Symbol.asyncIterator] === 'function';
}

/**
 * writeFile's data as bytes, or as the iterable of chunks it is; Node's
 * ERR_INVALID_ARG_TYPE for anything else.
 *
 * @example
 * ```ts
 * writeFileContent('hi', 'utf8'); // Uint8Array [0x68, 0x69]
 * ```
 */
export function writeFileContent(
  data: unknown,
  encoding: BufferEncoding | undefined,
): Uint8Array | Iterable<unknown> | AsyncIterable<unknown> {
  if (ArrayBuffer.isView(data)) return viewBytes(data);
  if (typeof data !== 'string' && isIterable(data)) return data;
  if (typeof data !== 'string') throw invalidType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
  return encodeText(data, encoding);
}

/**
 * One chunk of an iterable given to writeFile, as bytes (Buffer.from's rules).
 *
 * @example
 * ```ts
 * chunkBytes('abc', 'utf8');
 * ```
 */
export function chunkBytes(chunk: unknown, encoding: BufferEncoding | undefined): Uint8Array {
  if (ArrayBuffer.isView(chunk)) return viewBytes(chunk);
  if (typeof chunk === 'string') return encodeText(chunk, encoding);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (Array.isArray(chunk)) return Uint8Array.from(chunk as number[]);
  throw new ArgumentTypeError(
    'ERR_INVALID_ARG_TYPE',
    `The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. ${describeReceived(chunk)}`,
  );
}
