// Node's FileHandle over the open-file table: reads at a position or at the
// file position, whole-file reads, lines, a web ReadableStream, stat; writes
// (buffer and string forms, writev, writeFile, appendFile), truncate, sync,
// datasync, chmod, chown, utimes; and close. After close, `fd` is -1 and
// every call but close rejects with EBADF ("file closed", naming the call
// as Node does), as in Node; a second close resolves.
import { FsError } from '@iomap/core';
import { changeMode, changeOwner, changeTimes } from './attribute-changes.js';
import { callOptions } from './call-options.js';
import { syncInode, truncateFile, writeToFile } from './file-writes.js';
import type { FoundInode } from './name-creation.js';
import { CallErrors } from './node-error.js';
import { streamDecoder, splitLines } from './line-splitter.js';
import { closeFile } from './open-file.js';
import type { OpenFile } from './open-file-table.js';
import { readRequest, type ReadOptions, type ReadRequest } from './read-arguments.js';
import { checkReadable, readToEnd } from './read-file.js';
import { statsOf, type BigIntStats, type Stats } from './stats.js';
import { decodeBytes, type BufferEncoding } from './text-encoding.js';
import type { VfsContext } from './vfs-context.js';
import { checkBufferArray, checkInteger, parseModeArgument, toUnixSeconds } from './write-arguments.js';
import { writeFileToOpenFile, type WriteFileOptions } from './write-file.js';
import { bufferWriteRequest, positionOf, stringWriteRequest, type WriteFileData, type WriteOptions } from './write-request.js';

/**
 * What `FileHandle.write` resolves to: the bytes written and what was given.
 *
 * @example
 * ```ts
 * const { bytesWritten }: FileWriteResult = await handle.write(bytes, 0, bytes.length, 0);
 * ```
 */
export interface FileWriteResult<B extends Uint8Array | string = Uint8Array> {
  bytesWritten: number;
  buffer: B;
}

/**
 * What `FileHandle.writev` resolves to.
 *
 * @example
 * ```ts
 * const { bytesWritten }: FileWritevResult = await handle.writev([header, body], 0);
 * ```
 */
export interface FileWritevResult<B extends readonly ArrayBufferView[] = Uint8Array[]> {
  bytesWritten: number;
  buffers: B;
}

/**
 * What `FileHandle.read` resolves to: the bytes read and the buffer holding them.
 *
 * @example
 * ```ts
 * const { bytesRead, buffer }: FileReadResult = await handle.read(new Uint8Array(512), 0, 512, 0);
 * ```
 */
export interface FileReadResult<B extends Uint8Array = Uint8Array> {
  bytesRead: number;
  buffer: B;
}

/**
 * What `FileHandle.readv` resolves to.
 *
 * @example
 * ```ts
 * const { bytesRead, buffers }: FileReadvResult = await handle.readv([header, body], 0);
 * ```
 */
export interface FileReadvResult<B extends readonly Uint8Array[] = Uint8Array[]> {
  bytesRead: number;
  buffers: B;
}

/**
 * Options of `FileHandle.readLines`.
 *
 * @example
 * ```ts
 * for await (const line of handle.readLines({ start: 0, autoClose: false })) console.log(line);
 * ```
 */
export interface ReadLinesOptions {
  encoding?: BufferEncoding | null;
  /** First byte to read (default: the file position). */
  start?: number;
  /** Last byte to read, inclusive (default: end of file). */
  end?: number;
  /** Close the handle when the lines end or iteration stops. Default true, as in Node. */
  autoClose?: boolean;
  /** Bytes per read. Default 64 KiB. */
  highWaterMark?: number;
}

// Node 20 defines Symbol.asyncDispose; older runtimes get Node's registered name.
const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose);

/**
 * An open file, as `open()` returns it.
 *
 * @example
 * ```ts
 * await using handle = await fsp.open('/etc/hosts');
 * const { bytesRead, buffer } = await handle.read(new Uint8Array(64), 0, 64, 0);
 * for await (const line of handle.readLines()) console.log(line);
 * ```
 */
export class FileHandle {
  readonly #context: VfsContext<unknown>;
  #file: OpenFile<unknown> | undefined;
  #closing: Promise<void> | undefined;

  constructor(context: VfsContext<unknown>, file: OpenFile<unknown>) {
    this.#context = context;
    this.#file = file;
  }

  /** The file descriptor; -1 once closed. */
  get fd(): number {
    return this.#file?.fd ?? -1;
  }

  #open(syscall: string): OpenFile<unknown> {
    if (this.#file === undefined) {
      const closed = new FsError('EBADF', 'file closed', { syscall });
      closed.message = 'file closed'; // Node's exact message for calls on a closed FileHandle
      throw closed;
    }
    return this.#file;
  }

  /** Reads into a buffer; see Node's `filehandle.read` for the argument forms. */
  read<B extends Uint8Array = Uint8Array>(
    buffer: B,
    offset?: number | null,
    length?: number | null,
    position?: number | bigint | null,
  ): Promise<FileReadResult<B>>;
  read<B extends Uint8Array = Uint8Array>(buffer: B, options?: ReadOptions): Promise<FileReadResult<B>>;
  read<B extends Uint8Array = Uint8Array>(options?: ReadOptions<B>): Promise<FileReadResult<B>>;
  async read(...args: unknown[]): Promise<FileReadResult> {
    const file = this.#open('read');
    const request = readRequest(args);
    if (request.length === 0) return { bytesRead: 0, buffer: request.buffer };
    await checkReadable(this.#context, file);
    return { bytesRead: await this.#readAt(file, request), buffer: request.buffer };
  }

  async #readAt(file: OpenFile<unknown>, request: ReadRequest): Promise<number> {
    const target = request.buffer.subarray(request.offset, request.offset + request.length);
    const { position } = request;
    if (position !== undefined) return this.#context.fs.read(file.inode, position, target, file.flags);
    return file.positionLock.runExclusive(async () => {
      const n = await this.#context.fs.read(file.inode, file.position, target, file.flags);
      file.position += n;
      return n;
    });
  }

  /** Reads into several buffers in turn, at `position` or the file position. */
  async readv<B extends readonly Uint8Array[]>(buffers: B, position?: number | null): Promise<FileReadvResult<B>> {
    const file = this.#open('read');
    await checkReadable(this.#context, file);
    let at = typeof position === 'number' && Number.isSafeInteger(position) && position >= 0 ? position : undefined;
    let bytesRead = 0;
    for (const buffer of buffers) {
      const n = await this.#readAt(file, { buffer, offset: 0, length: buffer.byteLength, position: at });
      bytesRead += n;
      if (at !== undefined) at += n;
      if (n < buffer.byteLength) break;
    }
    return { bytesRead, buffers };
  }

  /** The rest of the file from the file position, as bytes or as text in `encoding`. */
  readFile(options?: { encoding?: null; signal?: AbortSignal } | null): Promise<Uint8Array>;
  readFile(options: BufferEncoding | { encoding: BufferEncoding; signal?: AbortSignal }): Promise<string>;
  readFile(options?: BufferEncoding | { encoding?: BufferEncoding | null; signal?: AbortSignal } | null): Promise<string | Uint8Array>;
  async readFile(options?: unknown): Promise<string | Uint8Array> {
    const file = this.#open('readFile');
    const call = callOptions(options);
    const bytes = await readToEnd(this.#context, file, call.signal);
    if (call.encoding === undefined || call.encoding === 'buffer') return this.#context.wrapBytes(bytes);
    return decodeBytes(bytes, call.encoding);
  }

  /** Stats of the open file. */
  stat(options?: { bigint?: false }): Promise<Stats>;
  stat(options: { bigint: true }): Promise<BigIntStats>;
  stat(options?: { bigint?: boolean }): Promise<Stats | BigIntStats>;
  async stat(options?: { bigint?: boolean }): Promise<Stats | BigIntStats> {
    const file = this.#open('fstat');
    return statsOf(await this.#context.fs.getattr(file.inode), options?.bigint === true);
  }

  /**
   * The file's lines, read from `start` (default: the file position) to
   * `end`; closes the handle afterwards unless `autoClose` is false.
   */
  readLines(options: ReadLinesOptions = {}): AsyncIterable<string> {
    this.#open('read');
    const { encoding } = callOptions(options);
    const decode = streamDecoder(encoding === undefined || encoding === 'buffer' ? 'utf8' : encoding);
    const chunks = this.#chunks(options.start, options.end, options.highWaterMark ?? 64 * 1024);
    const texts = (async function* () {
      for await (const chunk of chunks) yield decode(chunk, false);
      yield decode(new Uint8Array(0), true);
    })();
    const lines = splitLines(texts);
    const autoClose = options.autoClose ?? true;
    const close = (): Promise<void> => (autoClose ? this.close() : Promise.resolve());
    return {
      [Symbol.asyncIterator]: async function* () {
        try {
          yield* lines;
        } finally {
          await close();
        }
      },
    };
  }

  /** Reads chunks from `start` (or the file position) through `end` inclusive. */
  async *#chunks(start: number | undefined, end: number | undefined, size: number): AsyncGenerator<Uint8Array> {
    let position = start;
    const limit = end === undefined ? Number.POSITIVE_INFINITY : end + 1;
    for (;;) {
      const want = Math.min(size, limit - (position ?? 0));
      if (want <= 0) return;
      const { bytesRead, buffer } = await this.read(new Uint8Array(want), 0, want, position ?? null);
      if (bytesRead === 0) return;
      if (position !== undefined) position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  }

  /**
   * The file from its position to its end as a web `ReadableStream` of
   * `Uint8Array` chunks (a byte stream, so BYOB readers work too). The handle
   * stays open when the stream ends.
   */
  readableWebStream(_options: { type?: 'bytes' } = {}): ReadableStream<Uint8Array> {
    this.#open('read');
    return new ReadableStream({
      type: 'bytes',
      autoAllocateChunkSize: 64 * 1024,
      pull: async (controller: ReadableByteStreamController) => {
        const request = controller.byobRequest!;
        const view = request.view!;
        const target = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
        const { bytesRead } = await this.read(target, 0, target.length, null);
        if (bytesRead === 0) {
          controller.close();
          request.respond(0);
        } else {
          request.respond(bytesRead);
        }
      },
    }) as ReadableStream<Uint8Array>;
  }

  /**
   * Writes bytes (from `offset`, `length` of them) or a string (in
   * `encoding`) at `position`, or at the file position when it is null (an
   * O_APPEND file always writes at its end).
   */
  write<B extends Uint8Array>(buffer: B, offset?: number | null, length?: number | null, position?: number | null): Promise<FileWriteResult<B>>;
  write<B extends Uint8Array>(buffer: B, options?: WriteOptions): Promise<FileWriteResult<B>>;
  write(text: string, position?: number | null, encoding?: BufferEncoding | null): Promise<FileWriteResult<string>>;
  async write(buffer: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): Promise<FileWriteResult<Uint8Array | string>> {
    const file = this.#open('write');
    if (ArrayBuffer.isView(buffer) && buffer.byteLength === 0) return { bytesWritten: 0, buffer: buffer as Uint8Array };
    const request = ArrayBuffer.isView(buffer)
      ? bufferWriteRequest(buffer, offsetOrOptions, length, position)
      : stringWriteRequest(buffer, offsetOrOptions, length);
    const bytesWritten = await writeToFile(this.#context, file, request.bytes, request.position, 'write');
    return { bytesWritten, buffer: buffer as Uint8Array | string };
  }

  /** Writes several buffers in turn, at `position` or the file position. */
  async writev<B extends readonly ArrayBufferView[]>(buffers: B, position?: number | null): Promise<FileWritevResult<B>> {
    const file = this.#open('writev');
    const parts = checkBufferArray(buffers, 'buffers');
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      joined.set(part, at);
      at += part.length;
    }
    const bytesWritten = parts.length === 0 ? 0 : await writeToFile(this.#context, file, joined, positionOf(position), 'write');
    return { bytesWritten, buffers };
  }

  /** Writes `data` (string, bytes or an iterable of them) from the file position. */
  async writeFile(data: WriteFileData, options?: BufferEncoding | Omit<WriteFileOptions, 'mode' | 'flag'> | null): Promise<void> {
    await writeFileToOpenFile(this.#context, this.#open('writeFile'), data, options);
  }

  /** The same as writeFile, as in Node: where the bytes go depends on how the file was opened. */
  async appendFile(data: WriteFileData, options?: BufferEncoding | Omit<WriteFileOptions, 'mode' | 'flag'> | null): Promise<void> {
    await writeFileToOpenFile(this.#context, this.#open('writeFile'), data, options);
  }

  /** Sets the file's size (`len` below 0 counts as 0, as in Node). */
  async truncate(len: number = 0): Promise<void> {
    const file = this.#open('ftruncate');
    const length = Math.max(0, checkInteger(len, 'len'));
    await truncateFile(this.#context, file, length, 'ftruncate');
  }

  /** Makes the file's data and metadata durable (fsync). */
  async sync(): Promise<void> {
    await syncInode(this.#context, this.#open('fsync').inode, false, 'fsync');
  }

  /** Makes the file's data durable (fdatasync). */
  async datasync(): Promise<void> {
    await syncInode(this.#context, this.#open('fdatasync').inode, true, 'fdatasync');
  }

  /** Changes the file's permission bits (fchmod). */
  async chmod(mode: number | string): Promise<void> {
    const file = this.#open('fchmod');
    const bits = parseModeArgument(mode, 'mode');
    await changeMode(this.#context, await this.#found(file), bits, new CallErrors('fchmod'));
  }

  /** Changes the file's owner and group (fchown); -1 keeps one. */
  async chown(uid: number, gid: number): Promise<void> {
    const file = this.#open('fchown');
    checkInteger(uid, 'uid', -1, 2 ** 32 - 1);
    checkInteger(gid, 'gid', -1, 2 ** 32 - 1);
    await changeOwner(this.#context, await this.#found(file), uid, gid, new CallErrors('fchown'));
  }

  /** Sets the file's access and modification times (futimes): Dates, seconds or numeric strings. */
  async utimes(atime: Date | number | string, mtime: Date | number | string): Promise<void> {
    const file = this.#open('futimes');
    const a = toUnixSeconds(atime, 'atime');
    const m = toUnixSeconds(mtime, 'mtime');
    await changeTimes(this.#context, await this.#found(file), a, m, new CallErrors('futime'));
  }

  /** The open inode and its current attributes, for the attribute calls. */
  async #found(file: OpenFile<unknown>): Promise<FoundInode<unknown>> {
    return { inode: file.inode, attributes: await this.#context.fs.getattr(file.inode) };
  }

  /** Closes the handle; later calls reject with EBADF, a second close resolves. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    const file = this.#file;
    if (file === undefined) return Promise.resolve();
    this.#file = undefined;
    this.#closing = closeFile(this.#context, file.fd);
    return this.#closing;
  }

  /** Closes the handle (for `await using`). */
  [asyncDispose](): Promise<void> {
    return this.close();
  }
}
