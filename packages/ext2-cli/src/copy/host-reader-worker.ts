// The host-tree reader that runs in a worker thread (mkfs -d of a
// directory): it walks, lstats and reads the tree exactly as hostTree does
// (same order, same sizes, same chunking) and posts the results in batches
// of ~1 MiB, so the host's system calls overlap the image build on the main
// thread instead of running between its steps.
//
// `hostReaderMain` is started from its source text (`new Worker(code, {
// eval: true })`), which works the same from dist/ modules and from the
// esbuild bundle; so it must be self-contained: no imports, no references to
// anything outside its body — node:fs and node:worker_threads are passed in,
// and the record layout comes in workerData (from host-reader-layout.ts).
import type * as NodeFs from 'node:fs';
import type * as NodeWorkerThreads from 'node:worker_threads';
import type { ReaderSetup, RecycledBatch, SerializedError } from './host-reader-layout.js';

/** The reader thread's body (see the file comment: self-contained). */
export function hostReaderMain(fs: typeof NodeFs, wt: typeof NodeWorkerThreads): void {
  const setup = wt.workerData as ReaderSetup;
  const port = wt.parentPort as NodeWorkerThreads.MessagePort;
  const L = setup.layout;
  const ctl = new Int32Array(setup.control);
  const look = setup.dereference ? fs.statSync : fs.lstatSync;
  const SLASH = Buffer.from('/');

  let meta = new Float64Array(0);
  let times = new BigInt64Array(0);
  let bytes = new Uint8Array(0);
  let strings: string[] = [];
  let errors: SerializedError[] = [];
  let count = 0;
  let used = 0;
  let recyclable = true;

  const stopped = (): boolean => Atomics.load(ctl, L.stopIndex) !== 0;

  function flush(): void {
    if (count === 0) return;
    port.postMessage({ count, recyclable, meta: meta.buffer, times: times.buffer, bytes: bytes.buffer, strings, errors }, [meta.buffer, times.buffer, bytes.buffer]);
    count = 0;
    // Back-pressure: at most maxInFlight batches posted and not yet consumed.
    Atomics.add(ctl, L.inFlightIndex, 1);
    for (;;) {
      const inFlight = Atomics.load(ctl, L.inFlightIndex);
      if (inFlight < L.maxInFlight || stopped()) break;
      Atomics.wait(ctl, L.inFlightIndex, inFlight);
    }
  }

  /** Moves `used` to a multiple of 8: file bytes start word-aligned (the builder scans them for zeros by 32-bit words). */
  function align(): void {
    used = (used + 7) & ~7;
  }

  /** Room for one more record and `need` bytes (plus alignment) in the current batch (a new batch when not). */
  function ensure(need: number): void {
    need += 8;
    if (meta.length > 0 && count < L.records && used + need <= bytes.length) return;
    flush();
    // Buffers the main thread gave back, when it has: fresh pages cost a fault each.
    const back = wt.receiveMessageOnPort(setup.returns)?.message as RecycledBatch | undefined;
    if (back !== undefined && back.bytes.byteLength >= need) {
      meta = new Float64Array(back.meta);
      times = new BigInt64Array(back.times);
      bytes = new Uint8Array(back.bytes);
    } else {
      meta = new Float64Array(L.records * L.slots);
      times = new BigInt64Array(L.records * 2);
      bytes = new Uint8Array(Math.max(L.batchBytes, need));
    }
    recyclable = true;
    strings = [];
    errors = [];
    used = 0;
  }

  function record(type: number): number {
    const base = count * L.slots;
    meta.fill(0, base, base + L.slots);
    meta[base + L.type] = type;
    meta[base + L.aux] = -1;
    count++;
    return base;
  }

  function serialize(err: unknown): SerializedError {
    const e = err as { message?: unknown; code?: unknown; errno?: unknown; syscall?: unknown; path?: unknown };
    const out: SerializedError = { message: String(e.message ?? err) };
    if (typeof e.code === 'string') out.code = e.code;
    if (typeof e.errno === 'number') out.errno = e.errno;
    if (typeof e.syscall === 'string') out.syscall = e.syscall;
    if (typeof e.path === 'string') out.path = e.path;
    return out;
  }

  /** An error record: the walk (like hostTree's generator) ends with it. */
  function fail(type: number, err: SerializedError): void {
    ensure(0);
    const base = record(type);
    meta[base + L.aux] = errors.push(err) - 1;
  }

  function kindOf(st: NodeFs.BigIntStats): number {
    if (st.isFile()) return L.kinds.indexOf('file');
    if (st.isDirectory()) return L.kinds.indexOf('dir');
    if (st.isSymbolicLink()) return L.kinds.indexOf('symlink');
    if (st.isCharacterDevice()) return L.kinds.indexOf('char');
    if (st.isBlockDevice()) return L.kinds.indexOf('block');
    if (st.isFIFO()) return L.kinds.indexOf('fifo');
    return L.kinds.indexOf('socket');
  }
  const FILE = L.kinds.indexOf('file');
  const DIR = L.kinds.indexOf('dir');
  const SYMLINK = L.kinds.indexOf('symlink');
  const CHAR = L.kinds.indexOf('char');
  const BLOCK = L.kinds.indexOf('block');

  /** Writes one entry (and, for a file, its bytes); false when the walk must end (an error record was written). */
  function emit(hostPath: Buffer, name: Uint8Array, depth: number, st: NodeFs.BigIntStats): boolean {
    const kind = kindOf(st);
    const size = kind === FILE ? Number(st.size) : 0;
    let target: Buffer | undefined;
    if (kind === SYMLINK) {
      try {
        target = fs.readlinkSync(hostPath, { encoding: 'buffer' });
      } catch (err) {
        fail(L.walkError, serialize(err));
        return false;
      }
    }
    const inline = kind === FILE && size <= L.wholeBytes;
    ensure(name.length + (target?.length ?? 0) + (inline ? size : 0));
    const base = record(L.entry);
    const i = count - 1;
    meta[base + L.kind] = kind;
    meta[base + L.depth] = depth;
    meta[base + L.nameOff] = used;
    meta[base + L.nameLen] = name.length;
    bytes.set(name, used);
    used += name.length;
    meta[base + L.perm] = Number(st.mode) & 0o7777;
    meta[base + L.uid] = Number(st.uid);
    meta[base + L.gid] = Number(st.gid);
    meta[base + L.size] = size;
    meta[base + L.rdev] = kind === CHAR || kind === BLOCK ? Number(st.rdev) : 0;
    times[2 * i] = st.atimeNs;
    times[2 * i + 1] = st.mtimeNs;
    if (kind !== DIR && st.nlink > 1n) meta[base + L.aux] = strings.push(`${st.dev}:${st.ino}`) - 1;
    if (inline) align();
    meta[base + L.dataOff] = used;
    if (target !== undefined) {
      bytes.set(target, used);
      used += target.length;
      meta[base + L.dataLen] = target.length;
    } else if (inline) {
      // As hostTree's readWhole: open (even when empty), then read until `size` bytes or EOF.
      let fd = -1;
      try {
        fd = fs.openSync(hostPath, 'r');
        let done = 0;
        while (done < size) {
          const n = fs.readSync(fd, bytes, used + done, size - done, done);
          if (n === 0) break;
          done += n;
        }
        used += done;
        meta[base + L.dataLen] = done;
      } catch (err) {
        meta[base + L.dataError] = errors.push(serialize(err));
      } finally {
        if (fd >= 0) fs.closeSync(fd);
      }
    } else if (kind === FILE) {
      meta[base + L.dataLen] = -1;
      recyclable = false;
      stream(hostPath, size, base);
    }
    return true;
  }

  /** A large file's bytes as chunk records after its entry (as hostFileChunks reads them), ended by a chunkEnd record. */
  function stream(hostPath: Buffer, size: number, entryBase: number): void {
    let fd = -1;
    try {
      fd = fs.openSync(hostPath, 'r');
    } catch (err) {
      meta[entryBase + L.dataError] = errors.push(serialize(err));
    }
    if (fd >= 0) {
      try {
        for (let pos = 0; pos < size; ) {
          if (stopped()) return;
          const want = Math.min(L.chunkBytes, size - pos);
          ensure(want);
          align();
          const n = fs.readSync(fd, bytes, used, want, pos);
          if (n === 0) break;
          const base = record(L.chunk);
          recyclable = false;
          meta[base + L.dataOff] = used;
          meta[base + L.dataLen] = n;
          used += n;
          pos += n;
        }
      } catch (err) {
        fail(L.chunkError, serialize(err));
      } finally {
        fs.closeSync(fd);
      }
    }
    ensure(0);
    record(L.chunkEnd);
  }

  interface Frame {
    hostPath: Buffer;
    depth: number;
    id: string;
    names: Buffer[];
    index: number;
  }

  function walk(): void {
    const root = Buffer.from(setup.root);
    let st: NodeFs.BigIntStats;
    try {
      st = look(root, { bigint: true });
    } catch (err) {
      fail(L.walkError, serialize(err));
      return;
    }
    const ancestors = new Set<string>();
    const stack: Frame[] = [];
    let next: { hostPath: Buffer; name: Uint8Array; depth: number; st: NodeFs.BigIntStats } | undefined = { hostPath: root, name: new Uint8Array(0), depth: 0, st };
    while (next !== undefined) {
      if (stopped()) return;
      const { hostPath, name, depth } = next;
      if (!emit(hostPath, name, depth, next.st)) return;
      if (next.st.isDirectory()) {
        const id = `${next.st.dev}:${next.st.ino}`;
        if (ancestors.has(id)) {
          fail(L.walkError, { message: '', loop: true, path: hostPath.toString() });
          return;
        }
        ancestors.add(id);
        try {
          stack.push({ hostPath, depth, id, names: fs.readdirSync(hostPath, { encoding: 'buffer' }).sort(Buffer.compare), index: 0 });
        } catch (err) {
          fail(L.walkError, serialize(err));
          return;
        }
      }
      next = undefined;
      while (next === undefined && stack.length > 0) {
        const top = stack[stack.length - 1] as Frame;
        const child = top.names[top.index++];
        if (child === undefined) {
          ancestors.delete(top.id);
          stack.pop();
          continue;
        }
        const childPath = Buffer.concat([top.hostPath, SLASH, child]);
        try {
          next = { hostPath: childPath, name: child, depth: top.depth + 1, st: look(childPath, { bigint: true }) };
        } catch (err) {
          fail(L.walkError, serialize(err));
          return;
        }
      }
    }
  }

  walk();
  flush();
  port.postMessage({ done: true });
}
