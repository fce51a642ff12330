// FileHandle: positioned and current-position reads (serialized like
// Linux's f_pos lock), readv, readFile from the position, readLines, the web
// stream, stat, close semantics, descriptors, and the open/release hooks.
import { describe, expect, it } from 'vitest';
import { FileHandle, createFsPromises, type Filesystem } from '../src/index.js';
import { MemoryFs, type MemoryInode } from './support/memory-fs.js';

function fileTree(text: string): MemoryFs {
  const fs = new MemoryFs();
  fs.addFile('f', text);
  fs.addDirectory('d');
  return fs;
}

describe('FileHandle.read', () => {
  it('serializes reads at the file position so concurrent reads never overlap', async () => {
    const text = 'abcdefghijklmnopqrstuvwxyz0123';
    const handle = await createFsPromises(fileTree(text)).open('/f');
    const reads = await Promise.all(Array.from({ length: 10 }, () => handle.read(new Uint8Array(3), 0, 3, null)));
    const pieces = reads.map(({ bytesRead, buffer }) => new TextDecoder().decode(buffer.subarray(0, bytesRead)));
    expect(pieces.join('')).toBe(text);
    await handle.close();
  });

  it('does not move the file position for positioned reads', async () => {
    const handle = await createFsPromises(fileTree('0123456789')).open('/f');
    await handle.read(new Uint8Array(4), 0, 4, 6);
    const { buffer } = await handle.read(new Uint8Array(4), 0, 4, null);
    expect(new TextDecoder().decode(buffer)).toBe('0123');
    expect(await handle.readFile('utf8')).toBe('456789');
    await handle.close();
  });

  it('allocates a 16 KiB buffer for read() and returns the given buffer otherwise', async () => {
    const handle = await createFsPromises(fileTree('xyz')).open('/f');
    const first = await handle.read();
    expect(first.buffer.byteLength).toBe(16384);
    expect(first.bytesRead).toBe(3);
    const mine = new Uint8Array(5);
    const second = await handle.read(mine, 0, 5, 0);
    expect(second.buffer).toBe(mine);
    expect(await handle.read(new Uint8Array(0))).toEqual({ bytesRead: 0, buffer: new Uint8Array(0) });
    await handle.close();
  });

  it('reads into several buffers with readv', async () => {
    const handle = await createFsPromises(fileTree('abcdefgh')).open('/f');
    const { bytesRead, buffers } = await handle.readv([new Uint8Array(3), new Uint8Array(10)], 2);
    expect(bytesRead).toBe(6);
    expect(new TextDecoder().decode(buffers[0])).toBe('cde');
    expect(new TextDecoder().decode(buffers[1]!.subarray(0, 3))).toBe('fgh');
    await handle.close();
  });

  it('reports EISDIR from read on a directory, without a path, as Node does', async () => {
    const handle = await createFsPromises(fileTree('')).open('/d');
    await expect(handle.read(new Uint8Array(4), 0, 4, 0)).rejects.toMatchObject({
      code: 'EISDIR',
      syscall: 'read',
      path: undefined,
      message: 'EISDIR: illegal operation on a directory, read',
    });
    await handle.close();
  });

  it('converts a bigint position', async () => {
    const handle = await createFsPromises(fileTree('0123456789')).open('/f');
    const { buffer } = await handle.read(new Uint8Array(2), 0, 2, 5n);
    expect(new TextDecoder().decode(buffer)).toBe('56');
    await handle.close();
  });
});

describe('FileHandle.readLines', () => {
  it('splits on \\n, \\r\\n and \\r, also when \\r\\n straddles two reads', async () => {
    const fsp = createFsPromises(fileTree('ab\r\ncd\ref\n\ngh'));
    for (const highWaterMark of [1, 2, 3, 4, 64]) {
      const lines: string[] = [];
      for await (const line of (await fsp.open('/f')).readLines({ highWaterMark })) lines.push(line);
      expect(lines).toEqual(['ab', 'cd', 'ef', '', 'gh']);
    }
  });

  it('decodes UTF-8 characters split across reads', async () => {
    const fsp = createFsPromises(fileTree('héllo wörld\n日本語'));
    const lines: string[] = [];
    for await (const line of (await fsp.open('/f')).readLines({ highWaterMark: 1 })) lines.push(line);
    expect(lines).toEqual(['héllo wörld', '日本語']);
  });

  it('reads from start to end inclusive, and closes the handle unless autoClose is false', async () => {
    const fsp = createFsPromises(fileTree('line1\nline2\nline3\n'));
    const handle = await fsp.open('/f');
    const lines: string[] = [];
    for await (const line of handle.readLines({ start: 6, end: 10, autoClose: false })) lines.push(line);
    expect(lines).toEqual(['line2']);
    expect(handle.fd).not.toBe(-1);
    for await (const line of handle.readLines()) lines.push(line);
    expect(lines).toEqual(['line2', 'line1', 'line2', 'line3']);
    expect(handle.fd).toBe(-1);
  });

  it('closes the handle when the loop breaks early', async () => {
    const handle = await createFsPromises(fileTree('a\nb\nc\n')).open('/f');
    for await (const line of handle.readLines()) {
      expect(line).toBe('a');
      break;
    }
    expect(handle.fd).toBe(-1);
  });
});

describe('FileHandle.readableWebStream', () => {
  it('streams Uint8Array chunks from the file position and leaves the handle open', async () => {
    const text = 'x'.repeat(150_000);
    const handle = await createFsPromises(fileTree(text)).open('/f');
    await handle.read(new Uint8Array(10), 0, 10, null);
    const reader = handle.readableWebStream().getReader();
    let total = 0;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      expect(chunk.value).toBeInstanceOf(Uint8Array);
      total += chunk.value.byteLength;
    }
    expect(total).toBe(text.length - 10);
    expect(handle.fd).not.toBe(-1);
    await handle.close();
  });

  it('supports BYOB readers', async () => {
    const handle = await createFsPromises(fileTree('hello')).open('/f');
    const reader = handle.readableWebStream().getReader({ mode: 'byob' });
    const { value } = await reader.read(new Uint8Array(3));
    expect(new TextDecoder().decode(value)).toBe('hel');
    await handle.close();
  });
});

describe('FileHandle lifetime', () => {
  it('hands out the lowest free descriptor from 3, and EMFILE past maxOpenFiles', async () => {
    const fsp = createFsPromises(fileTree('x'), { maxOpenFiles: 3 });
    const [a, b, c] = [await fsp.open('/f'), await fsp.open('/f'), await fsp.open('/f')];
    expect([a.fd, b.fd, c.fd]).toEqual([3, 4, 5]);
    await expect(fsp.open('/f')).rejects.toMatchObject({ code: 'EMFILE', syscall: 'open', path: '/f' });
    await b.close();
    const d = await fsp.open('/f');
    expect(d.fd).toBe(4);
    await Promise.all([a.close(), c.close(), d.close()]);
  });

  it('closes on Symbol.asyncDispose (await using)', async () => {
    const handle = await createFsPromises(fileTree('x')).open('/f');
    expect(handle).toBeInstanceOf(FileHandle);
    await handle[Symbol.asyncDispose]();
    expect(handle.fd).toBe(-1);
    await expect(handle.readFile()).rejects.toMatchObject({ code: 'EBADF', syscall: 'readFile', message: 'file closed' }); // Node's wording
  });

  it('calls the filesystem open and release hooks once per open', async () => {
    const calls: string[] = [];
    const memory = fileTree('x');
    const fs: Filesystem<MemoryInode> = Object.assign(Object.create(memory) as MemoryFs, {
      open: async (inode: MemoryInode, flags: number) => void calls.push(`open ${inode.ino} ${flags}`),
      release: async (inode: MemoryInode) => void calls.push(`release ${inode.ino}`),
    });
    const fsp = createFsPromises(fs);
    const ino = memory.node('f').ino;
    await fsp.readFile('/f');
    const handle = await fsp.open('/f');
    await Promise.all([handle.close(), handle.close()]);
    expect(calls).toEqual([`open ${ino} 0`, `release ${ino}`, `open ${ino} 0`, `release ${ino}`]);
  });

  it('gives back the descriptor when the open hook fails', async () => {
    const memory = fileTree('x');
    const fs = Object.assign(Object.create(memory) as MemoryFs, {
      open: async () => {
        throw Object.assign(new Error('busy'), { code: 'EBUSY' });
      },
    });
    const fsp = createFsPromises(fs, { maxOpenFiles: 1 });
    await expect(fsp.open('/f')).rejects.toMatchObject({ code: 'EBUSY' });
    await expect(fsp.open('/f')).rejects.toMatchObject({ code: 'EBUSY' }); // not EMFILE: the slot was freed
  });

  it('stats the open file, also as bigint', async () => {
    const handle = await createFsPromises(fileTree('12345')).open('/f');
    expect((await handle.stat()).size).toBe(5);
    expect((await handle.stat({ bigint: true })).size).toBe(5n);
    await handle.close();
  });
});
