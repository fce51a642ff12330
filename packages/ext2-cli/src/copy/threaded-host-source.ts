// A host directory as a tree source, read by a worker thread
// (host-reader-worker.ts) while the main thread consumes the entries: the
// same entries in the same order as hostTree, but the lstat/open/read calls
// (most of a many-small-files mkfs -d) overlap the image build. The thread
// posts ~1 MiB batches with at most a few in flight (back-pressure through a
// shared counter, so a slow consumer bounds the memory), small files inline,
// large ones in 1 MiB chunks after their entry. Consumed batches of small
// files go back to the thread for reuse (fresh pages cost a fault each).
//
// When the thread cannot start (or dies before its first batch) the source
// falls back to hostTree on this thread; EXT2_LITE_HOST_READER=sync forces
// that path (see populate-source.ts).
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { hostReaderMain } from './host-reader-worker.js';
import { READER_LAYOUT as L, type ReaderBatch, type ReaderDone, type ReaderSetup, type RecycledBatch, type SerializedError } from './host-reader-layout.js';
import { hostFileChunks, hostTree, symlinkLoopError, type HostTreeOptions } from './host-source.js';
import { joinPath, type EntryKind, type TreeEntry, type TreeSource } from './tree-entry.js';

// The thread runs the function's own source text: the same from dist/ and from the bundle.
const READER_SOURCE = `(${hostReaderMain.toString()})(require('node:fs'), require('node:worker_threads'));\n`;

/** How {@link threadedHostTree} runs its thread. */
export interface ReaderThreadOptions {
  /** No fallback: a thread that cannot start is an error (EXT2_LITE_HOST_READER=thread; tests). */
  requireThread?: boolean;
  /** The thread's script (tests give a broken one to see the fallback). */
  script?: string;
}

/**
 * The tree at host path `root`, as {@link hostTree} gives it, read ahead by a
 * worker thread. The thread starts now (before the first entry is asked
 * for), so it can overlap whatever the caller does first.
 */
export function threadedHostTree(root: string, options: HostTreeOptions = {}, thread: ReaderThreadOptions = {}): TreeSource {
  let reader: HostReader;
  try {
    reader = new HostReader(root, options, thread);
  } catch (err) {
    if (thread.requireThread === true) throw err;
    return hostTree(root, options);
  }
  return reader.entries();
}

/** A thread error as the error hostTree would have thrown. */
function errorOf(e: SerializedError): Error {
  if (e.loop === true) return symlinkLoopError(e.path ?? '');
  const err = new Error(e.message) as Error & Omit<SerializedError, 'message' | 'loop'>;
  if (e.errno !== undefined) err.errno = e.errno;
  if (e.code !== undefined) err.code = e.code;
  if (e.syscall !== undefined) err.syscall = e.syscall;
  if (e.path !== undefined) err.path = e.path;
  return err;
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function* failing(err: SerializedError): AsyncGenerator<Uint8Array> {
  yield* [];
  throw errorOf(err);
}

class HostReader {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  private readonly queue: (ReaderBatch | ReaderDone)[] = [];
  /** Our end of the channel that gives consumed batch buffers back to the thread. */
  private readonly returns: MessagePort;
  private recyclable = false;
  private failure: unknown;
  private exited = false;
  private wake: (() => void) | undefined;
  // The batch being read and the next record in it.
  private meta = new Float64Array(0);
  private times = new BigInt64Array(0);
  private bytes = new Uint8Array(0);
  private strings: string[] = [];
  private errors: SerializedError[] = [];
  private count = 0;
  private index = 0;
  private holding = false;
  /** The streamed file whose chunk records come next (its entry's token), and whether its data() took them. */
  private streaming: object | undefined;
  private claimed = false;

  constructor(
    private readonly root: string,
    private readonly options: HostTreeOptions,
    private readonly thread: ReaderThreadOptions,
  ) {
    const channel = new MessageChannel();
    this.returns = channel.port1;
    this.returns.unref();
    const setup: ReaderSetup = { root, dereference: options.dereference === true, layout: L, control: this.control.buffer as SharedArrayBuffer, returns: channel.port2 };
    this.worker = new Worker(thread.script ?? READER_SOURCE, { eval: true, workerData: setup, transferList: [channel.port2] });
    this.worker.on('message', (m: ReaderBatch | ReaderDone) => {
      this.queue.push(m);
      this.notify();
    });
    this.worker.on('error', (err) => {
      this.failure ??= err;
      this.notify();
    });
    this.worker.on('exit', () => {
      this.exited = true;
      this.notify();
    });
    // Referenced only while the main thread waits for it: a reader nobody
    // consumes (the build failed before the copy) must not keep the process alive.
    this.worker.unref();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits for a message, a failure or the thread's exit. */
  private async settle(): Promise<void> {
    if (this.queue.length > 0 || this.failure !== undefined || this.exited) return;
    this.worker.ref();
    try {
      while (this.queue.length === 0 && this.failure === undefined && !this.exited) await new Promise<void>((resolve) => (this.wake = resolve));
    } finally {
      this.worker.unref();
    }
  }

  /** Moves to the next batch (releasing the one read); false after the last. */
  private async nextBatch(): Promise<boolean> {
    if (this.holding) {
      this.holding = false;
      if (this.recyclable) {
        const back: RecycledBatch = { meta: this.meta.buffer as ArrayBuffer, times: this.times.buffer as ArrayBuffer, bytes: this.bytes.buffer as ArrayBuffer };
        this.returns.postMessage(back, [back.meta, back.times, back.bytes]);
      }
      Atomics.sub(this.control, L.inFlightIndex, 1);
      Atomics.notify(this.control, L.inFlightIndex);
    }
    await this.settle();
    const m = this.queue.shift();
    if (m === undefined) throw this.failure ?? new Error('the host reader thread stopped before the end of the tree');
    if ('done' in m) return false;
    this.meta = new Float64Array(m.meta);
    this.times = new BigInt64Array(m.times);
    this.bytes = new Uint8Array(m.bytes);
    this.strings = m.strings;
    this.errors = m.errors;
    this.count = m.count;
    this.recyclable = m.recyclable;
    this.index = 0;
    this.holding = true;
    return true;
  }

  /** The next record's base slot, or -1 at the end of the tree. */
  private async nextRecord(): Promise<number> {
    if (this.index >= this.count && !(await this.nextBatch())) return -1;
    return this.index++ * L.slots;
  }

  private stop(): void {
    Atomics.store(this.control, L.stopIndex, 1);
    Atomics.notify(this.control, L.inFlightIndex);
    void this.worker.terminate();
    this.returns.close();
  }

  async *entries(): AsyncGenerator<TreeEntry> {
    try {
      await this.settle();
      if (this.queue.length === 0) {
        if (this.thread.requireThread === true) throw this.failure ?? new Error('the host reader thread stopped before its first batch');
        // The thread could not start: read on this thread instead.
        yield* hostTree(this.root, this.options);
        return;
      }
      /** Path of the latest directory at each depth: an entry at depth d is a child of dirs[d - 1]. */
      const dirs: Uint8Array[][] = [];
      for (;;) {
        if (this.streaming !== undefined) await this.skipStream();
        const base = this.index < this.count ? this.index++ * L.slots : await this.nextRecord();
        if (base < 0) return;
        const m = this.meta;
        const type = m[base + L.type];
        if (type === L.walkError) throw errorOf(this.errors[m[base + L.aux] as number] as SerializedError);
        if (type !== L.entry) throw new Error(`host reader: record type ${type} where an entry belongs`);
        const entry = this.entryAt(base, dirs);
        yield entry;
      }
    } finally {
      this.stop();
    }
  }

  private entryAt(base: number, dirs: Uint8Array[][]): TreeEntry {
    const m = this.meta;
    const kind = L.kinds[m[base + L.kind] as number] as EntryKind;
    const depth = m[base + L.depth] as number;
    const nameOff = m[base + L.nameOff] as number;
    const name = this.bytes.subarray(nameOff, nameOff + (m[base + L.nameLen] as number));
    // A directory's name outlives its batch (its children's paths hold it): a copy, as the batch may be reused.
    const path = depth === 0 ? [] : [...(dirs[depth - 1] as Uint8Array[]), kind === 'dir' ? name.slice() : name];
    if (kind === 'dir') dirs[depth] = path;
    const record = base / L.slots;
    const entry: TreeEntry = {
      path,
      kind,
      perm: m[base + L.perm] as number,
      uid: m[base + L.uid] as number,
      gid: m[base + L.gid] as number,
      atimeNs: this.times[2 * record] as bigint,
      mtimeNs: this.times[2 * record + 1] as bigint,
      size: m[base + L.size] as number,
      rdev: m[base + L.rdev] as number,
    };
    const aux = m[base + L.aux] as number;
    if (aux >= 0) entry.linkId = this.strings[aux];
    const dataOff = m[base + L.dataOff] as number;
    const dataLen = m[base + L.dataLen] as number;
    if (kind === 'symlink') entry.target = this.bytes.slice(dataOff, dataOff + dataLen);
    if (kind !== 'file') return entry;
    const dataError = m[base + L.dataError] as number;
    const err = dataError > 0 ? this.errors[dataError - 1] : undefined;
    if (dataLen >= 0) {
      const whole = this.bytes.subarray(dataOff, dataOff + dataLen);
      entry.readWhole = (scratch) => {
        if (err !== undefined) throw errorOf(err);
        return entry.size > scratch.length ? undefined : whole;
      };
      entry.data = () => (err !== undefined ? failing(err) : oneChunk(whole));
      return entry;
    }
    const token = {};
    this.streaming = token;
    this.claimed = false;
    entry.readWhole = () => {
      if (err !== undefined) throw errorOf(err);
      return undefined;
    };
    entry.data = () => (err !== undefined ? failing(err) : this.chunks(token, path, entry.size));
    return entry;
  }

  /**
   * A streamed file's bytes: the chunk records after its entry, the first
   * time they are asked for while they are next; read from the host again
   * otherwise (a second pass over the same entry).
   */
  private async *chunks(token: object, path: Uint8Array[], size: number): AsyncGenerator<Uint8Array> {
    if (this.streaming !== token || this.claimed) {
      const host = joinPath(Buffer.from(this.root), path);
      yield* hostFileChunks(Buffer.from(host.buffer, host.byteOffset, host.length), size);
      return;
    }
    this.claimed = true;
    for (;;) {
      const base = await this.nextRecord();
      if (base < 0) throw new Error('the host reader ended inside a file');
      const type = this.meta[base + L.type];
      if (type === L.chunkEnd) {
        this.streaming = undefined;
        return;
      }
      if (type === L.chunkError) throw errorOf(this.errors[this.meta[base + L.aux] as number] as SerializedError);
      const off = this.meta[base + L.dataOff] as number;
      yield this.bytes.subarray(off, off + (this.meta[base + L.dataLen] as number));
    }
  }

  /** Passes over what is left of a streamed file's chunk records (its data was not read, or not to the end). */
  private async skipStream(): Promise<void> {
    for (;;) {
      const base = await this.nextRecord();
      if (base < 0) throw new Error('the host reader ended inside a file');
      if (this.meta[base + L.type] === L.chunkEnd) break;
    }
    this.streaming = undefined;
  }
}
