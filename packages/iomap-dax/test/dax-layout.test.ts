// Layout breaking (DAX-11): truncate and punch wait for mapped views.
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '@iomap/core';
import { awaitLayoutIdle, daxLayoutBusy, daxMap, daxTruncatePage } from '../src/index.js';
import { daxFixture, daxRead, daxWrite, pattern } from './support/dax-fixture.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('layout breaking (DAX-11)', () => {
  it('blocks a truncate while a page is pinned, until the view is released (DAX-11)', async () => {
    const { fs, inode, file } = await daxFixture();
    await daxWrite(fs, file, 0, pattern(3 * PAGE_SIZE));
    const pinned = await daxMap(file, 2 * PAGE_SIZE, 10);
    let truncated = false;
    const truncate = (async () => {
      await daxTruncatePage(file, PAGE_SIZE + 100);
      await awaitLayoutIdle(file, PAGE_SIZE + 100);
      await fs.truncate(inode, PAGE_SIZE + 100);
      truncated = true;
    })();
    await tick();
    expect(truncated).toBe(false);
    expect(pinned.valid).toBe(false); // revoked: its holder is told to let go
    expect(daxLayoutBusy(file, 2 * PAGE_SIZE)).toBe(true);
    pinned.release();
    await truncate;
    expect(truncated).toBe(true);
    expect(inode.size).toBe(PAGE_SIZE + 100);
    expect(await daxRead(file, 0, 2 * PAGE_SIZE)).toHaveLength(PAGE_SIZE + 100);
    fs.verify();
  });

  it('does not wait for views outside the range or for zero-page views (DAX-11)', async () => {
    const { fs, inode, file } = await daxFixture();
    await daxWrite(fs, file, 0, pattern(PAGE_SIZE));
    await fs.setSize(inode, 3 * PAGE_SIZE);
    const head = await daxMap(file, 0, PAGE_SIZE);
    const hole = await daxMap(file, 2 * PAGE_SIZE, PAGE_SIZE);
    expect(daxLayoutBusy(file, PAGE_SIZE)).toBe(false);
    await awaitLayoutIdle(file, PAGE_SIZE);
    expect(head.valid).toBe(true);
    expect(hole.valid).toBe(false); // revoked, but it pins no device memory
    expect(daxLayoutBusy(file, 0, PAGE_SIZE)).toBe(true);
    head.release();
    hole.release();
    expect(daxLayoutBusy(file, 0)).toBe(false);
  });

  it('wakes each waiter when its own range becomes idle (DAX-11)', async () => {
    const { fs, file } = await daxFixture();
    await daxWrite(fs, file, 0, pattern(2 * PAGE_SIZE));
    const a = await daxMap(file, 0, 1);
    const b = await daxMap(file, PAGE_SIZE, 1);
    const done: string[] = [];
    const waitA = awaitLayoutIdle(file, 0, PAGE_SIZE).then(() => done.push('a'));
    const waitB = awaitLayoutIdle(file, PAGE_SIZE, 2 * PAGE_SIZE).then(() => done.push('b'));
    b.release();
    await waitB;
    expect(done).toEqual(['b']);
    a.release();
    await waitA;
    expect(done).toEqual(['b', 'a']);
  });
});
