// discard: a discarded range always reads back as zeros. On an image file a
// range reaching the end of the file is freed (truncate and re-extend, a
// hole); other ranges are overwritten with zeros.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { FsError } from '@iomap/core';
import { describe, expect, it } from 'vitest';
import { FileDevice } from '../src/index.js';
import { expectBytes, pattern } from './bytes.js';
import { useTempDir } from './temp-dir.js';

const tmp = useTempDir();
const MiB = 1 << 20;

async function filledDevice(name: string, size: number): Promise<FileDevice> {
  const dev = await FileDevice.open(tmp.path(name), { create: true, size });
  await dev.write(0, pattern(size, 7));
  await dev.flush();
  return dev;
}

function isZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

describe('discard', () => {
  it('frees a range that reaches the end of an image file, which then reads as zeros', async () => {
    const dev = await filledDevice('tail.img', 8 * MiB);
    const before = await stat(dev.path);
    await dev.discard(4 * MiB, 4 * MiB);
    const after = await stat(dev.path);
    expect(after.size).toBe(8 * MiB);
    expect(after.blocks * 512).toBeLessThanOrEqual(before.blocks * 512 - 4 * MiB + 64 * 1024);
    const tail = new Uint8Array(4 * MiB);
    await dev.read(4 * MiB, tail);
    expect(isZero(tail)).toBe(true);
    const head = new Uint8Array(4 * MiB);
    await dev.read(0, head);
    expectBytes(head, pattern(8 * MiB, 7).subarray(0, 4 * MiB));
    await dev.close();
  });

  it('overwrites a range inside the file with zeros and leaves its neighbours alone', async () => {
    const dev = await filledDevice('middle.img', 2 * MiB);
    await dev.discard(1000, 300_000);
    await dev.close();
    const file = new Uint8Array(await readFile(dev.path));
    const expected = pattern(2 * MiB, 7);
    expected.fill(0, 1000, 301_000);
    expect(file.length).toBe(2 * MiB);
    expect(Buffer.compare(file, expected)).toBe(0);
  });

  it('zeroes more than one 64 MiB request worth of range in order', async () => {
    const dev = await FileDevice.open(tmp.path('big.img'), { create: true, size: 160 * MiB });
    await dev.write(0, pattern(4096, 1));
    await dev.write(150 * MiB, pattern(4096, 2));
    await dev.write(160 * MiB - 4096, pattern(4096, 3));
    dev.resetStats();
    await dev.discard(1, 160 * MiB - 2); // stops short of both ends: zeros are written
    expect(dev.stats().requests).toBe(3);
    const out = new Uint8Array(4096);
    await dev.read(150 * MiB, out);
    expect(isZero(out)).toBe(true);
    await dev.read(0, out);
    expect(out[0]).toBe(pattern(4096, 1)[0]);
    await dev.read(160 * MiB - 4096, out);
    expect(out[4095]).toBe(pattern(4096, 3)[4095]);
    await dev.close();
  });

  it('never truncates a file that is longer than the device', async () => {
    const path = tmp.path('window.img');
    await writeFile(path, pattern(MiB, 3));
    const dev = await FileDevice.open(path, { size: MiB / 2 });
    await dev.discard(MiB / 4, MiB / 4); // the device's tail, not the file's
    await dev.close();
    const file = new Uint8Array(await readFile(path));
    expect(file.length).toBe(MiB);
    expect(isZero(file.subarray(MiB / 4, MiB / 2))).toBe(true);
    expectBytes(file.subarray(MiB / 2), pattern(MiB, 3).subarray(MiB / 2));
  });

  it('keeps submission order with writes queued around a tail discard', async () => {
    const dev = await filledDevice('order.img', 4 * MiB);
    const data = pattern(4096, 11);
    await Promise.all([dev.discard(2 * MiB, 2 * MiB), dev.write(3 * MiB, data)]);
    const out = new Uint8Array(4096);
    await dev.read(3 * MiB, out);
    expectBytes(out, data);
    await Promise.all([dev.write(3 * MiB, data), dev.discard(2 * MiB, 2 * MiB)]);
    await dev.read(3 * MiB, out);
    expect(isZero(out)).toBe(true);
    await dev.close();
  });

  it('counts discards, accepts an empty one, and fails with EIO past the end', async () => {
    const dev = await FileDevice.open(tmp.path('count.img'), { create: true, size: MiB });
    await dev.discard(MiB, 0);
    await dev.discard(0, 512);
    expect(dev.stats().discards).toBe(2);
    const err = await dev.discard(MiB - 512, 1024).catch((e: unknown) => e);
    expect((err as FsError).code).toBe('EIO');
    await dev.close();
  });
});
