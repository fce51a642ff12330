// fileChunks (image/file-data.ts): an image file's bytes in pieces of at most
// 1 MiB, each a buffer of exactly the bytes it holds. Extracting a tree of
// small files once took a 1 MiB buffer per file (and a second one to find
// the end): most of the time of `cp -r IMAGE:/ DIR` went into zeroing and
// collecting them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileDevice } from '@iomap/blockdev-node';
import { mount } from '@iomap/ext2-lite';
import { CHUNK_BYTES, fileChunks } from '../src/image/file-data.js';
import { runInProcess } from './support/run-cli.js';

let dir = '';
const contents = new Map<string, Buffer>([
  ['empty', Buffer.alloc(0)],
  ['one-byte', Buffer.from('x')],
  ['block', randomBytes(4096)],
  ['exact-chunk', randomBytes(CHUNK_BYTES)],
  ['two-and-a-half', randomBytes(2.5 * CHUNK_BYTES)],
]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-chunks-'));
  const src = join(dir, 'src');
  mkdirSync(src);
  for (const [name, bytes] of contents) writeFileSync(join(src, name), bytes);
  const r = await runInProcess(['mkfs', join(dir, 'disk.img'), '--size', '16M', '-d', src]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('fileChunks', () => {
  it('yields each file in pieces of at most 1 MiB, every buffer exactly the size of its bytes', async () => {
    const device = await FileDevice.open(join(dir, 'disk.img'), { readOnly: true });
    try {
      await using fs = await mount(device, { readOnly: true });
      for (const [name, bytes] of contents) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of fileChunks(fs, await fs.inodeAt(`/${name}`))) chunks.push(chunk);
        const expected = Array.from({ length: Math.ceil(bytes.length / CHUNK_BYTES) }, (_, i) => Math.min(CHUNK_BYTES, bytes.length - i * CHUNK_BYTES));
        expect(chunks.map((c) => c.length), name).toEqual(expected);
        expect(chunks.map((c) => c.buffer.byteLength), `${name}: buffer sizes`).toEqual(expected);
        expect(Buffer.concat(chunks).equals(bytes), name).toBe(true);
      }
      // From an offset: the rest of the file only.
      const tail: Uint8Array[] = [];
      for await (const chunk of fileChunks(fs, await fs.inodeAt('/two-and-a-half'), CHUNK_BYTES * 2 + 100)) tail.push(chunk);
      expect(Buffer.concat(tail).equals((contents.get('two-and-a-half') as Buffer).subarray(CHUNK_BYTES * 2 + 100))).toBe(true);
      expect(tail.map((c) => c.buffer.byteLength)).toEqual([CHUNK_BYTES / 2 - 100]);
    } finally {
      await device.close();
    }
  });
});
