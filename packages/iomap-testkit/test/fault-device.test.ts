// FaultDevice injects exactly the faults its rules describe, counts
// operations, and catches out-of-range accesses loudly.
import { describe, expect, it } from 'vitest';
import { FsError, MemoryBlockDevice } from '@iomap/core';
import { DeviceViolationError, FaultDevice } from '../src/index.js';

const SIZE = 64 * 1024;
const mem = () => new MemoryBlockDevice({ size: SIZE });
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof FsError ? e.code : 'not an FsError'));

describe('FaultDevice', () => {
  it('passes operations through and counts them', async () => {
    const inner = mem();
    const dev = new FaultDevice(inner);
    await dev.write(512, new Uint8Array([1, 2, 3]));
    await dev.writev(1024, [new Uint8Array([4]), new Uint8Array([5, 6])]);
    const out = new Uint8Array(3);
    await dev.read(512, out);
    await dev.readv(1024, [new Uint8Array(1), new Uint8Array(2)]);
    await dev.flush();
    await dev.discard(0, 512);
    expect(Array.from(out)).toEqual([1, 2, 3]);
    expect(Array.from(inner.bytes.subarray(1024, 1027))).toEqual([4, 5, 6]);
    expect(dev.counters).toMatchObject({ reads: 2, writes: 2, flushes: 1, discards: 1, bytesRead: 6, bytesWritten: 6 });
    expect(dev.size).toBe(SIZE);
    expect(dev.logicalBlockSize).toBe(512);
  });

  it('fails reads, writes and flushes separately on chosen ranges', async () => {
    const dev = new FaultDevice(mem(), [
      { kind: 'error', ops: ['read'], range: { pos: 4096, length: 4096 } },
      { kind: 'error', ops: ['flush'], code: 'ENOSPC' },
    ]);
    expect(await codeOf(dev.read(4000, new Uint8Array(200)))).toBe('EIO');
    expect(await codeOf(dev.read(0, new Uint8Array(4096)))).toBe('ok');
    expect(await codeOf(dev.read(8192, new Uint8Array(10)))).toBe('ok');
    expect(await codeOf(dev.write(4096, new Uint8Array(10)))).toBe('ok');
    expect(await codeOf(dev.flush())).toBe('ENOSPC');
    expect(dev.counters.injectedErrors).toBe(2);
  });

  it('fails after N operations, a limited number of times', async () => {
    const dev = new FaultDevice(mem(), [{ kind: 'error', ops: ['write'], after: 2, times: 2 }]);
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await codeOf(dev.write(i * 512, new Uint8Array(512))));
    expect(results).toEqual(['ok', 'ok', 'EIO', 'EIO', 'ok', 'ok']);
  });

  it('tears a write: a prefix of sectors persists, then EIO', async () => {
    const inner = mem();
    const dev = new FaultDevice(inner, [{ kind: 'torn', persistSectors: 2, times: 1 }]);
    expect(await codeOf(dev.write(1024, new Uint8Array(4 * 512).fill(9)))).toBe('EIO');
    expect(inner.bytes.subarray(1024, 1024 + 1024).every((b) => b === 9)).toBe(true);
    expect(inner.bytes.subarray(2048, 1024 + 2048).every((b) => b === 0)).toBe(true);
    expect(dev.counters.tornWrites).toBe(1);
    await dev.writev(0, [new Uint8Array(512).fill(1), new Uint8Array(512).fill(2)]);
    expect(inner.bytes[600]).toBe(2);
  });

  it('tears a writev across its buffers, defaulting to half the sectors', async () => {
    const inner = mem();
    const dev = new FaultDevice(inner, [{ kind: 'torn' }]);
    const parts = [new Uint8Array(512).fill(1), new Uint8Array(512).fill(2), new Uint8Array(1024).fill(3)];
    expect(await codeOf(dev.writev(0, parts))).toBe('EIO');
    expect([inner.bytes[0], inner.bytes[600], inner.bytes[1100]]).toEqual([1, 2, 0]);
  });

  it('delays operations by the configured latency', async () => {
    const dev = new FaultDevice(mem(), [{ kind: 'delay', ms: 15, ops: ['read'] }]);
    const start = Date.now();
    await dev.read(0, new Uint8Array(1));
    expect(Date.now() - start).toBeGreaterThanOrEqual(10);
    await dev.write(0, new Uint8Array(1));
    expect(dev.counters.delays).toBe(1);
  });

  it('records out-of-range accesses as violations and throws, even if the caller swallows the error', async () => {
    const dev = new FaultDevice(mem());
    dev.assertNoViolations();
    await dev.write(SIZE - 10, new Uint8Array(20)).catch(() => undefined);
    expect(await codeOf(dev.read(-1, new Uint8Array(1)))).toBe('EINVAL');
    expect(await codeOf(dev.discard(SIZE, 1))).toBe('EIO');
    expect(dev.violations.map((v) => [v.op, v.pos, v.length])).toEqual([
      ['write', SIZE - 10, 20],
      ['read', -1, 1],
      ['discard', SIZE, 1],
    ]);
    expect(() => dev.assertNoViolations()).toThrow(DeviceViolationError);
    expect(() => dev.assertNoViolations()).toThrow(/3 device access violation/);
  });

  it('stops injecting once the rules are cleared', async () => {
    const dev = new FaultDevice(mem(), [{ kind: 'error' }]);
    expect(await codeOf(dev.flush())).toBe('EIO');
    dev.clearRules();
    expect(await codeOf(dev.flush())).toBe('ok');
  });

  it('does not apply removed rules to an operation still sleeping in a delay rule', async () => {
    const dev = new FaultDevice(mem(), [{ kind: 'delay', ms: 5 }]);
    dev.addRule({ kind: 'error', ops: ['read'] });
    const sleeping = codeOf(dev.read(0, new Uint8Array(1))); // in the delay rule now
    dev.clearRules();
    expect(await sleeping).toBe('ok');
    expect(dev.counters.injectedErrors).toBe(0);
  });

  it('hands out a rule handle: its own counts, and removal of that rule alone', async () => {
    const dev = new FaultDevice(mem());
    const reads = dev.addRule({ kind: 'error', ops: ['read'], after: 1, times: 1 });
    const writes = dev.addRule({ kind: 'error', ops: ['write'] });
    expect(await codeOf(dev.read(0, new Uint8Array(1)))).toBe('ok');
    expect(await codeOf(dev.read(0, new Uint8Array(1)))).toBe('EIO');
    expect([reads.seen, reads.fired, writes.fired]).toEqual([2, 1, 0]);
    writes.remove();
    expect(writes.installed).toBe(false);
    expect(reads.installed).toBe(true);
    expect(await codeOf(dev.write(0, new Uint8Array(1)))).toBe('ok');
    expect(writes.fired).toBe(0);
  });
});
