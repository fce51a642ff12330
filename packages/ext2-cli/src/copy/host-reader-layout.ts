// What the host-reader thread and the main thread agree on: the setup the
// thread gets (workerData) and the layout of the batches it posts. A batch
// is a list of records in a Float64Array (`slots` numbers each), the
// entries' atime/mtime in a BigInt64Array (two per record, by record index),
// names, link targets and file bytes in one byte buffer, and side lists for
// hard-link ids and errors. All three buffers are transferred, not copied.
import type { MessagePort } from 'node:worker_threads';
import type { EntryKind } from './tree-entry.js';

/** Record types. */
const TYPES = {
  /** One tree entry (file bytes inline when small). */
  entry: 1,
  /** Bytes of the large file whose entry came last. */
  chunk: 2,
  /** Reading the large file failed (the copy reports it for that file, like an error of hostFileChunks). */
  chunkError: 3,
  /** The large file's bytes are complete. */
  chunkEnd: 4,
  /** The walk failed here (lstat, readdir, readlink, a loop): the source throws, as hostTree's generator does. */
  walkError: 5,
} as const;

/** Slots of a record (indices into its `slots` numbers). */
const SLOTS = {
  type: 0,
  kind: 1,
  /** Number of path components (0 for the root). */
  depth: 2,
  nameOff: 3,
  nameLen: 4,
  perm: 5,
  uid: 6,
  gid: 7,
  size: 8,
  rdev: 9,
  /** Inline file bytes, a symlink's target or a chunk: offset and length in the byte buffer; length -1 for a streamed file. */
  dataOff: 10,
  dataLen: 11,
  /** Index into the batch's strings (hard-link id) for an entry, into its errors for an error record; -1 for none. */
  aux: 12,
  /** 1 + index into the batch's errors when the file could not be opened or read; 0 for none. */
  dataError: 13,
} as const;

const KINDS: readonly EntryKind[] = ['file', 'dir', 'symlink', 'char', 'block', 'fifo', 'socket'];

/** The record layout and limits, passed to the thread so both sides use one definition. */
export const READER_LAYOUT = {
  ...TYPES,
  ...SLOTS,
  slots: 14,
  kinds: KINDS,
  /** Records per batch at most. */
  records: 1024,
  /** Bytes per batch buffer (a larger one when a single entry needs more). */
  batchBytes: (1 << 20) + (64 << 10),
  /** Files up to this size travel whole in their entry's batch (as BuilderSink reads files up to 1 MiB whole). */
  wholeBytes: 1 << 20,
  /** Larger files are streamed in chunks of this size (as hostFileChunks reads them). */
  chunkBytes: 1 << 20,
  /** Batches posted and not yet consumed, at most: bounds the memory a fast reader can take. */
  maxInFlight: 4,
  /** Int32 indices in the control buffer. */
  inFlightIndex: 0,
  stopIndex: 1,
};

export type ReaderLayout = typeof READER_LAYOUT;

/** The thread's workerData. */
export interface ReaderSetup {
  root: string;
  dereference: boolean;
  layout: ReaderLayout;
  /** SharedArrayBuffer of two Int32: batches in flight, stop flag. */
  control: SharedArrayBuffer;
  /** Where the main thread hands consumed batch buffers back for reuse (a {@link RecycledBatch} per message). */
  returns: MessagePort;
}

/** A consumed batch's buffers, given back to the thread. */
export interface RecycledBatch {
  meta: ArrayBuffer;
  times: ArrayBuffer;
  bytes: ArrayBuffer;
}

/** A Node system error (or the symlink loop) as posted from the thread. */
export interface SerializedError {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  /** A symlink leads back to a directory being walked (hostTree's ELOOP). */
  loop?: boolean;
}

/** One posted batch. */
export interface ReaderBatch {
  count: number;
  /**
   * No streamed file's entry or chunk in it: once read, nothing refers to its
   * bytes any more (directory names and link targets are copied out), so the
   * buffers can go back to the thread. Chunks are handed to the consumer as
   * they are, like hostFileChunks' fresh buffers.
   */
  recyclable: boolean;
  meta: ArrayBuffer;
  times: ArrayBuffer;
  bytes: ArrayBuffer;
  strings: string[];
  errors: SerializedError[];
}

/** The message after the last batch. */
export interface ReaderDone {
  done: true;
}
