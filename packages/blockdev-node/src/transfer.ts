// Transfer loops: move every byte of a request or throw.
//
// A positional read or write may move fewer bytes than asked (the kernel caps
// one call at 0x7ffff000 bytes, libuv at IOV_MAX buffers, signals interrupt).
// The loops below keep calling until the whole request is done. A read that
// returns 0 bytes before the end means the file ended early (it was shrunk by
// someone else after we opened it): that is EIO, never a silently short read.
//
// Worked example: buffers [4 KiB, 4 KiB] at pos 0, the first readv returns
// 6144. `advance` drops the first buffer and keeps the last 2 KiB of the
// second as a subarray, so the next readv reads 2048 bytes at pos 6144.
import { FsError, totalLength } from '@iomap/core';
import type { FileIo, IoCallback } from './file-io.js';
import { toFsError } from './node-errors.js';

/** A read or a write of consecutive bytes from/into `buffers`, starting at `pos`. */
export interface Transfer {
  write: boolean;
  pos: number;
  buffers: readonly Uint8Array[];
}

/** Drops the first `done` bytes of `buffers`, splitting a partly-done buffer. */
export function advance(buffers: readonly Uint8Array[], done: number): Uint8Array[] {
  let i = 0;
  let left = done;
  while (i < buffers.length && left >= (buffers[i] as Uint8Array).length) {
    left -= (buffers[i] as Uint8Array).length;
    i++;
  }
  const rest = buffers.slice(i);
  if (left > 0 && rest.length > 0) rest[0] = (rest[0] as Uint8Array).subarray(left);
  return rest;
}

/**
 * Performs `t` with async calls (libuv thread pool), looping on short counts,
 * then calls `done` once with undefined or the FsError. Callbacks rather than
 * promises keep the hot path to one promise per request (the caller's).
 */
export function transferAsync(io: FileIo, t: Transfer, path: string, done: (err?: FsError) => void): void {
  let buffers: readonly Uint8Array[] = t.buffers;
  let at = t.pos;
  const end = t.pos + totalLength(buffers);
  const step = (err: Error | null, n: number): void => {
    if (err) {
      done(toFsError(err, t.write ? 'write' : 'read', path));
      return;
    }
    try {
      checkProgress(n, t, at, end, path);
    } catch (progressErr) {
      done(progressErr as FsError);
      return;
    }
    at += n;
    if (at >= end) {
      done();
      return;
    }
    buffers = advance(buffers, n);
    callAsync(io, t.write, buffers, at, step);
  };
  callAsync(io, t.write, buffers, at, step);
}

/** Performs `t` with synchronous calls on the descriptor, looping on short counts. */
export function transferSync(io: FileIo, t: Transfer, path: string): void {
  let buffers: readonly Uint8Array[] = t.buffers;
  let at = t.pos;
  const end = t.pos + totalLength(buffers);
  while (at < end) {
    let n: number;
    try {
      n = callSync(io, t.write, buffers, at);
    } catch (err) {
      throw toFsError(err, t.write ? 'write' : 'read', path);
    }
    checkProgress(n, t, at, end, path);
    at += n;
    if (at < end) buffers = advance(buffers, n);
  }
}

function callAsync(io: FileIo, write: boolean, buffers: readonly Uint8Array[], at: number, step: IoCallback): void {
  try {
    if (buffers.length === 1) {
      const only = buffers[0] as Uint8Array;
      if (write) io.write(only, at, step);
      else io.read(only, at, step);
    } else if (write) io.writev(buffers, at, step);
    else io.readv(buffers, at, step);
  } catch (err) {
    // Node validates arguments synchronously; report like a failed call, but
    // never re-enter the caller from inside its own call.
    queueMicrotask(() => step(err as Error, 0));
  }
}

function callSync(io: FileIo, write: boolean, buffers: readonly Uint8Array[], at: number): number {
  if (buffers.length === 1) {
    const only = buffers[0] as Uint8Array;
    return write ? io.writeSync(only, at) : io.readSync(only, at);
  }
  return write ? io.writevSync(buffers, at) : io.readvSync(buffers, at);
}

/** A call that moved no bytes (or a nonsense count) would loop forever: EIO. */
function checkProgress(n: number, t: Transfer, at: number, end: number, path: string): void {
  if (Number.isSafeInteger(n) && n > 0 && n <= end - at) return;
  const done = at - t.pos;
  const total = end - t.pos;
  if (!t.write && n === 0) {
    throw new FsError(
      'EIO',
      `unexpected end of file at byte ${at} after ${done} of ${total} bytes; the image is shorter than when it was opened (was it truncated by another program?)`,
      { syscall: 'read', path },
    );
  }
  throw new FsError(
    'EIO',
    `${t.write ? 'write' : 'read'} at byte ${at} moved ${String(
      n,
    )} bytes after ${done} of ${total}; the file or device stopped making progress`,
    { syscall: t.write ? 'write' : 'read', path },
  );
}
