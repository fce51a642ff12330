// The README's example, run as a test (readme-sync.test.ts keeps the two identical).
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import {
  CrashDevice,
  ExtentMapFs,
  FaultDevice,
  exercise,
  extentMapFsTarget,
  referenceWrite,
} from '../src/index.js';

describe('my filesystem', () => {
  // 1. Random operations checked against a model. Your filesystem implements
  //    ExerciseTarget (read, write, truncate, size, and what else it can);
  //    here ExtentMapFs plays "your filesystem". A factory lets failures shrink.
  it('agrees with the model under random operations', async () => {
    const makeTarget = () => extentMapFsTarget(new ExtentMapFs({ deviceSize: 1 << 20, blockSize: 1024, delalloc: true }));
    for (const seed of [1, 2, 3]) {
      const report = await exercise(makeTarget, { seed, operations: 300, maxFileSize: 64 * 1024 });
      expect(report.counts.write).toBeGreaterThan(0);
    }
  });

  // 2. A hostile device: from the 21st write on, writes fail with EIO. The
  //    filesystem must fail cleanly, leak nothing, and never leave the device.
  it('fails cleanly on write errors', async () => {
    const faulty = new FaultDevice(new MemoryBlockDevice({ size: 1 << 20 }), [
      { kind: 'error', ops: ['write'], after: 20 },
    ]);
    const fs = new ExtentMapFs({ device: faulty, blockSize: 1024 });
    const file = await fs.create('victim');
    let written = 0;
    await expect(async () => {
      for (let i = 0; i < 100; i++) written += await referenceWrite(fs, file, i * 1024, new Uint8Array(1024).fill(i));
    }).rejects.toThrow(/EIO/);
    expect(written).toBe(20 * 1024);
    fs.verify(); // no leaked blocks or reservations
    faulty.assertNoViolations(); // no access outside the device
  });

  // 3. Crash consistency: once fsync returned, the data survives every power
  //    cut the device allows, including torn unflushed writes.
  it("keeps fsync'd data through every crash", async () => {
    const crash = await CrashDevice.wrap(new MemoryBlockDevice({ size: 256 * 1024 }));
    const fs = new ExtentMapFs({ device: crash, blockSize: 1024 });
    const log = await fs.create('log');
    await referenceWrite(fs, log, 0, new Uint8Array(4096).fill(7));
    await fs.fsync(log);
    await referenceWrite(fs, log, 4096, new Uint8Array(4096).fill(8));
    const synced = fs.extents(log)[0]!; // where the fsync'd bytes live
    let states = 0;
    for (const state of crash.crashStates({ torn: true, maxStates: 32 })) {
      const bytes = state.device.bytes.subarray(synced.addr, synced.addr + 4096);
      expect(bytes.every((b) => b === 7), state.label).toBe(true);
      states++;
    }
    expect(states).toBeGreaterThan(1);
  });
});
