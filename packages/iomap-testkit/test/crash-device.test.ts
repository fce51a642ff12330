// CrashDevice: a known sequence of writes and flushes gives a known set of
// crash states, with and without torn writes.
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import { CrashDevice, FaultDevice, type CrashState } from '../src/index.js';

const SECTOR = 512;

/** The device as one character per sector: '.' for zeros, else the fill byte. */
function sectors(dev: MemoryBlockDevice): string {
  let out = '';
  for (let s = 0; s < dev.size / SECTOR; s++) {
    const b = dev.bytes[s * SECTOR] ?? 0;
    out += b === 0 ? '.' : String.fromCharCode(b);
  }
  return out;
}

const fill = (ch: string, n: number) => new Uint8Array(n * SECTOR).fill(ch.charCodeAt(0));
const images = (states: Iterable<CrashState>) => [...states].map((s) => sectors(s.device)).sort();

/** W1: A at 0 | flush | W2: B at 1 | W3: C at 1 | W4: DD at 2..3 */
async function knownSequence(): Promise<CrashDevice> {
  const dev = await CrashDevice.wrap(new MemoryBlockDevice({ size: 4 * SECTOR }));
  await dev.write(0, fill('A', 1));
  await dev.flush();
  await dev.write(SECTOR, fill('B', 1));
  await dev.write(SECTOR, fill('C', 1));
  await dev.writev(2 * SECTOR, [fill('D', 1), fill('D', 1)]);
  return dev;
}

describe('CrashDevice', () => {
  it('logs writes and flushes with copies of the data', async () => {
    const dev = await knownSequence();
    expect(dev.log.map((e) => [e.seq, e.kind, e.pos, e.length])).toEqual([
      [1, 'write', 0, 512],
      [2, 'flush', 0, 0],
      [3, 'write', 512, 512],
      [4, 'write', 512, 512],
      [5, 'write', 1024, 1024],
    ]);
    expect(dev.log[1]?.covers).toBe(1);
    expect(dev.point).toBe(5);
  });

  it('materialises the device at any point of the log', async () => {
    const dev = await knownSequence();
    expect([0, 1, 2, 3, 4, 5].map((n) => sectors(dev.stateAt(n)))).toEqual([
      '....', 'A...', 'A...', 'AB..', 'AC..', 'ACDD',
    ]);
    expect(() => dev.stateAt(6)).toThrow(/EINVAL/);
  });

  it('gives every subset of the unflushed writes, deduplicated, applied in log order', async () => {
    const dev = await knownSequence();
    const states = [...dev.crashStates()];
    expect(states.map((s) => sectors(s.device)).sort()).toEqual(['A...', 'A.DD', 'AB..', 'ABDD', 'AC..', 'ACDD']);
    expect(states.every((s) => s.durable === 1 && s.at === 5)).toBe(true);
    expect(states[0]?.label).toBe('crash at #5, durable through #1: -3 -4 -5');
  });

  it('treats writes before a completed flush as durable', async () => {
    const dev = await knownSequence();
    expect(images(dev.crashStates({ at: 1 }))).toEqual(['....', 'A...']);
    expect(images(dev.crashStates({ at: 2 }))).toEqual(['A...']);
    expect(images(dev.crashStates({ at: 3 }))).toEqual(['A...', 'AB..']);
  });

  it('tears unflushed writes at sector granularity when asked', async () => {
    const dev = await knownSequence();
    const torn = [...dev.crashStates({ torn: true, maxStates: 100 })];
    expect(torn).toHaveLength(12);
    expect(images(torn)).toContain('AC.D');
    const partial = torn.find((s) => sectors(s.device) === 'A.D.');
    expect(partial?.writes.find((w) => w.seq === 5)).toEqual({ seq: 5, outcome: 'torn', sectors: [0] });
  });

  it('samples reproducibly when there are more states than maxStates', async () => {
    const dev = await knownSequence();
    const a = images(dev.crashStates({ torn: true, maxStates: 4, seed: 7 }));
    const b = images(dev.crashStates({ torn: true, maxStates: 4, seed: 7 }));
    expect(a).toEqual(b);
    expect(a).toHaveLength(4);
    expect(a).toContain('A...');
    expect(a).toContain('ACDD');
  });

  it('makes a flush cover only the writes completed when it was issued', async () => {
    const dev = await CrashDevice.wrap(new MemoryBlockDevice({ size: 2 * SECTOR }));
    const inFlight = dev.write(0, fill('X', 1));
    const flushed = dev.flush();
    await Promise.all([inFlight, flushed]);
    expect(dev.log.map((e) => e.kind)).toEqual(['write', 'flush']);
    expect(images(dev.crashStates())).toEqual(['..', 'X.']);
  });

  it('records the surviving prefix of a torn write when wrapped by a FaultDevice', async () => {
    const crash = await CrashDevice.wrap(new MemoryBlockDevice({ size: 4 * SECTOR }));
    const dev = new FaultDevice(crash, [{ kind: 'torn', persistSectors: 1 }]);
    await expect(dev.write(0, fill('Q', 3))).rejects.toThrow(/torn/);
    expect(crash.log.map((e) => [e.kind, e.length])).toEqual([['write', 512]]);
    expect(sectors(crash.stateAt())).toBe('Q...');
  });

  it('applies discards as zeros', async () => {
    const dev = await CrashDevice.wrap(MemoryBlockDevice.from(fill('Z', 2)));
    await dev.discard(0, SECTOR);
    expect(sectors(dev.stateAt())).toBe('.Z');
    expect(images(dev.crashStates())).toEqual(['.Z', 'ZZ']);
  });
});
