// The positional system calls a FileDevice makes, as one small interface so
// the transfer loops can be tested with a handle that returns short counts.
//
// Each method makes exactly one call and reports how many bytes it moved; a
// count below the request is normal (a signal, a large request split by the
// kernel, more than IOV_MAX buffers) and the caller loops.
//
// The async calls use node:fs's callback API on the FileHandle's descriptor
// (fs.read/readv/write/writev), not FileHandle.read/readv/...: in one run on
// the same cached file, a 4 KiB callback read took 22-27 µs against 24-31 µs
// for FileHandle.read, whose promise path adds its own bookkeeping per call.
// The FileHandle still owns the descriptor (open, stat, truncate, datasync,
// close), and the device drains its queue before closing it.
import { read, readSync, readv, readvSync, write, writeSync, writev, writevSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Completion of one async call: an error, or the bytes moved. */
export type IoCallback = (err: Error | null, bytes: number) => void;

/** One pread/preadv/pwrite/pwritev per call, async (libuv thread pool) or sync. */
export interface FileIo {
  read(buffer: Uint8Array, pos: number, done: IoCallback): void;
  readv(buffers: readonly Uint8Array[], pos: number, done: IoCallback): void;
  write(data: Uint8Array, pos: number, done: IoCallback): void;
  writev(buffers: readonly Uint8Array[], pos: number, done: IoCallback): void;
  readSync(buffer: Uint8Array, pos: number): number;
  readvSync(buffers: readonly Uint8Array[], pos: number): number;
  writeSync(data: Uint8Array, pos: number): number;
  writevSync(buffers: readonly Uint8Array[], pos: number): number;
}

/** {@link FileIo} on the descriptor of a Node FileHandle. */
export class NodeFileIo implements FileIo {
  private readonly fd: number;

  constructor(handle: FileHandle) {
    this.fd = handle.fd;
  }

  read(buffer: Uint8Array, pos: number, done: IoCallback): void {
    read(this.fd, buffer, 0, buffer.length, pos, done);
  }

  readv(buffers: readonly Uint8Array[], pos: number, done: IoCallback): void {
    readv(this.fd, buffers as Uint8Array[], pos, done);
  }

  write(data: Uint8Array, pos: number, done: IoCallback): void {
    write(this.fd, data, 0, data.length, pos, done);
  }

  writev(buffers: readonly Uint8Array[], pos: number, done: IoCallback): void {
    writev(this.fd, buffers as Uint8Array[], pos, done);
  }

  readSync(buffer: Uint8Array, pos: number): number {
    return readSync(this.fd, buffer, 0, buffer.length, pos);
  }

  readvSync(buffers: readonly Uint8Array[], pos: number): number {
    return readvSync(this.fd, buffers as Uint8Array[], pos);
  }

  writeSync(data: Uint8Array, pos: number): number {
    return writeSync(this.fd, data, 0, data.length, pos);
  }

  writevSync(buffers: readonly Uint8Array[], pos: number): number {
    return writevSync(this.fd, buffers as Uint8Array[], pos);
  }
}
