// FileDevice on image files: opening, sizes, the BlockDevice error contract
// (EINVAL, EIO past the end, EROFS, EBADF), flush, and exclusive use.
import { chmod, mkdir, stat, writeFile, readFile } from 'node:fs/promises';
import { FsError, isFsError } from '@iomap/core';
import { describe, expect, it } from 'vitest';
import { FileDevice } from '../src/index.js';
import { expectBytes, pattern } from './bytes.js';
import { useTempDir } from './temp-dir.js';

const tmp = useTempDir();

async function expectFsError(promise: Promise<unknown>, code: string): Promise<FsError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FsError);
  expect((err as FsError).code).toBe(code);
  return err as FsError;
}

describe('FileDevice.open', () => {
  it('creates a sparse image of the given size', async () => {
    const path = tmp.path('new.img');
    const dev = await FileDevice.open(path, { create: true, size: 64 << 20 });
    try {
      expect(dev.size).toBe(64 << 20);
      expect(dev.kind).toBe('file');
      expect(dev.logicalBlockSize).toBe(512);
      expect(dev.readOnly).toBe(false);
      const st = await stat(path);
      expect(st.size).toBe(64 << 20);
      expect(st.blocks * 512).toBeLessThan(1 << 20); // sparse: nothing allocated
    } finally {
      await dev.close();
    }
  });

  it('extends a shorter existing file with create and size, keeping its data', async () => {
    const path = tmp.path('grow.img');
    await writeFile(path, pattern(4096));
    const dev = await FileDevice.open(path, { create: true, size: 1 << 20 });
    const out = new Uint8Array(4096);
    await dev.read(0, out);
    expectBytes(out, pattern(4096));
    await dev.read(4096, out);
    expectBytes(out, new Uint8Array(4096));
    await dev.close();
    expect((await stat(path)).size).toBe(1 << 20);
  });

  it('exposes only the first size bytes of a longer file and never shrinks it', async () => {
    const path = tmp.path('window.img');
    await writeFile(path, pattern(8192));
    const dev = await FileDevice.open(path, { size: 4096 });
    expect(dev.size).toBe(4096);
    await expectFsError(dev.read(4096, new Uint8Array(1)), 'EIO');
    await dev.close();
    expect((await stat(path)).size).toBe(8192);
  });

  it('takes the size of an existing file and the sector size it is given', async () => {
    const path = tmp.path('existing.img');
    await writeFile(path, pattern(12288));
    const dev = await FileDevice.open(path, { sectorSize: 4096 });
    expect(dev.size).toBe(12288);
    expect(dev.logicalBlockSize).toBe(4096);
    await dev.close();
  });

  it('fails with an ENOENT FsError for a missing file without create', async () => {
    const path = tmp.path('missing.img');
    const err = await expectFsError(FileDevice.open(path), 'ENOENT');
    expect(err.errno).toBe(-2);
    expect(err.syscall).toBe('open');
    expect(err.path).toBe(path);
    expect(err.message).toMatch(/create: true/);
  });

  it('fails with EISDIR for a directory', async () => {
    const path = tmp.path('dir');
    await mkdir(path);
    await expectFsError(FileDevice.open(path, { readOnly: true }), 'EISDIR');
  });

  it('wraps Node errors with the same code and keeps the cause (EACCES)', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits; ENOTDIR goes through the same wrapping.
      const path = tmp.path('file-as-dir');
      await writeFile(path, 'x');
      const err = await expectFsError(FileDevice.open(`${path}/inner.img`), 'ENOTDIR');
      expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
      return;
    }
    const path = tmp.path('locked.img');
    await writeFile(path, pattern(512));
    await chmod(path, 0o400);
    const err = await expectFsError(FileDevice.open(path), 'EACCES');
    expect((err.cause as NodeJS.ErrnoException).code).toBe('EACCES');
    expect(err.message).toMatch(/readOnly/);
  });

  it.each([
    [{ create: true }, /create needs a size/],
    [{ create: true, size: 512, readOnly: true }, /exclude each other/],
    [{ size: -1 }, /size must be/],
    [{ size: 1.5 }, /size must be/],
    [{ sectorSize: 1000 }, /sectorSize/],
    [{ sectorSize: 256 }, /sectorSize/],
    [{ queueDepth: 0 }, /queueDepth/],
    [{ syncMaxBytes: -1 }, /syncMaxBytes/],
    [{ maxMergeBytes: Number.NaN }, /maxMergeBytes/],
  ])('rejects bad options %o with EINVAL', async (options, message) => {
    const err = await expectFsError(FileDevice.open(tmp.path('opts.img'), options), 'EINVAL');
    expect(err.message).toMatch(message);
  });

  it('refuses a read-only open that would need to extend the file', async () => {
    const path = tmp.path('short.img');
    await writeFile(path, pattern(512));
    await expectFsError(FileDevice.open(path, { readOnly: true, size: 4096 }), 'EINVAL');
  });
});

describe('FileDevice I/O contract', () => {
  it('writes and reads back, and the bytes are in the file', async () => {
    const path = tmp.path('rw.img');
    const dev = await FileDevice.open(path, { create: true, size: 1 << 20 });
    const data = pattern(10000, 3);
    await dev.write(12345, data);
    const out = new Uint8Array(10000);
    await dev.read(12345, out);
    expectBytes(out, data);
    await dev.flush();
    await dev.close();
    expectBytes((await readFile(path)).subarray(12345, 22345), data);
  });

  it('fails with EIO for a read or write reaching past the end', async () => {
    const dev = await FileDevice.open(tmp.path('eio.img'), { create: true, size: 8192 });
    await expectFsError(dev.read(8190, new Uint8Array(4)), 'EIO');
    await expectFsError(dev.write(8192, new Uint8Array(1)), 'EIO');
    await expectFsError(dev.readv(4096, [new Uint8Array(4096), new Uint8Array(1)]), 'EIO');
    await dev.read(8192, new Uint8Array(0)); // empty at the end is fine
    await dev.close();
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53, Infinity])('fails with EINVAL for position %s', async (pos) => {
    const dev = await FileDevice.open(tmp.path('einval.img'), { create: true, size: 8192 });
    await expectFsError(dev.read(pos, new Uint8Array(1)), 'EINVAL');
    await expectFsError(dev.write(pos, new Uint8Array(1)), 'EINVAL');
    await expectFsError(dev.discard(pos, 1), 'EINVAL');
    await dev.close();
  });

  it('reports a bad argument as a rejected promise, never a synchronous throw', async () => {
    const dev = await FileDevice.open(tmp.path('async-errors.img'), { create: true, size: 4096 });
    const pending = dev.read(-1, new Uint8Array(1));
    expect(pending).toBeInstanceOf(Promise);
    await expectFsError(pending, 'EINVAL');
    await dev.close();
  });

  it('refuses writes, writev and discard with EROFS when read-only, and still reads', async () => {
    const path = tmp.path('ro.img');
    await writeFile(path, pattern(4096));
    const dev = await FileDevice.open(path, { readOnly: true });
    expect(dev.readOnly).toBe(true);
    const err = await expectFsError(dev.write(0, new Uint8Array(1)), 'EROFS');
    expect(err.message).toMatch(/read-only/);
    await expectFsError(dev.writev(0, [new Uint8Array(1)]), 'EROFS');
    await expectFsError(dev.discard(0, 512), 'EROFS');
    const out = new Uint8Array(4096);
    await dev.read(0, out);
    expectBytes(out, pattern(4096));
    await dev.flush(); // nothing to make durable, but allowed
    await dev.close();
  });

  it('fails every call with EBADF after close, and close is idempotent', async () => {
    const dev = await FileDevice.open(tmp.path('closed.img'), { create: true, size: 4096 });
    await dev.close();
    await dev.close();
    await expectFsError(dev.read(0, new Uint8Array(1)), 'EBADF');
    await expectFsError(dev.write(0, new Uint8Array(1)), 'EBADF');
    await expectFsError(dev.readv(0, [new Uint8Array(1)]), 'EBADF');
    await expectFsError(dev.writev(0, [new Uint8Array(1)]), 'EBADF');
    await expectFsError(dev.flush(), 'EBADF');
    await expectFsError(dev.discard(0, 1), 'EBADF');
  });

  it('finishes requests queued before close', async () => {
    const dev = await FileDevice.open(tmp.path('drain.img'), { create: true, size: 1 << 20, syncMaxBytes: 0 });
    const data = pattern(65536, 9);
    const writes = [dev.write(0, data), dev.write(1 << 19, data)];
    const closed = dev.close();
    await Promise.all(writes);
    await closed;
    const again = await FileDevice.open(dev.path, { readOnly: true });
    const out = new Uint8Array(65536);
    await again.read(1 << 19, out);
    expectBytes(out, data);
    await again.close();
  });

  it('flushes with fdatasync after the writes queued before it', async () => {
    const dev = await FileDevice.open(tmp.path('flush.img'), { create: true, size: 1 << 20, syncMaxBytes: 0 });
    const order: string[] = [];
    const w = dev.write(0, pattern(1 << 19)).then(() => order.push('write'));
    const f = dev.flush().then(() => order.push('flush'));
    await Promise.all([w, f]);
    expect(order).toEqual(['write', 'flush']);
    expect(dev.stats().flushes).toBe(1);
    await dev.close();
  });

  it('holds writes queued after flush() back until it ends, but not those after flushWritten()', async () => {
    const dev = await FileDevice.open(tmp.path('flush-written.img'), { create: true, size: 1 << 20, syncMaxBytes: 0 });
    const data = pattern(65536, 3);
    // Two promise jobs: the queue's plug has run and started whatever may start.
    const settle = async (): Promise<void> => {
      await Promise.resolve();
      await Promise.resolve();
    };
    const barrier = dev.flush();
    const held = dev.write(0, data);
    await settle();
    expect(dev.stats().pending).toBe(1); // fdatasync runs on the thread pool: not done within two jobs
    await Promise.all([barrier, held]);
    const background = dev.flushWritten();
    const concurrent = dev.write(65536, data);
    await settle();
    expect(dev.stats().pending).toBe(0);
    await Promise.all([background, concurrent]);
    expect(dev.stats().flushes).toBe(2);
    await dev.close();
  });

  it('makes completed writes durable with flushWritten, and close waits for it', async () => {
    const dev = await FileDevice.open(tmp.path('flush-written-close.img'), { create: true, size: 1 << 20 });
    await dev.write(0, pattern(4096, 5));
    const background = dev.flushWritten();
    await dev.close();
    await background; // still resolves: close waited for the fdatasync instead of closing its descriptor under it
    expect(dev.stats().flushes).toBe(1);
    await expectFsError(dev.flushWritten(), 'EBADF');
    const ro = await FileDevice.open(dev.path, { readOnly: true });
    await ro.flushWritten();
    expect(ro.stats().flushes).toBe(0);
    await ro.close();
  });
});

describe('exclusive use', () => {
  it('refuses a second writable open of the same file in this process with EBUSY', async () => {
    const path = tmp.path('excl.img');
    const first = await FileDevice.open(path, { create: true, size: 4096 });
    const err = await expectFsError(FileDevice.open(path), 'EBUSY');
    expect(err.message).toMatch(/exclusive: false/);
    const reader = await FileDevice.open(path, { readOnly: true }); // readers share
    const shared = await FileDevice.open(path, { exclusive: false });
    await Promise.all([reader.close(), shared.close(), first.close()]);
    const again = await FileDevice.open(path); // the claim went with close
    await again.close();
  });

  it('releases the claim when an open fails after the claim was taken', async () => {
    const path = tmp.path('claim-release.img');
    await writeFile(path, pattern(512));
    // Extending to 2^53-1 bytes passes the argument checks, takes the claim,
    // and then fails in ftruncate (EFBIG or EINVAL, depending on the filesystem).
    const err = await FileDevice.open(path, { size: Number.MAX_SAFE_INTEGER }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FsError);
    const dev = await FileDevice.open(path);
    expect(isFsError(await FileDevice.open(path).catch((e: unknown) => e), 'EBUSY')).toBe(true);
    await dev.close();
  });
});
