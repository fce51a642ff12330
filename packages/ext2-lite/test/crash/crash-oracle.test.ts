// The crash sweep's own checks can fail: records that are not a file's own
// are caught, and a filesystem whose fsync never reaches stable storage (a
// device that drops flushes) is caught losing fsync'd data.
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import { CrashDevice, PassThroughDevice } from '@iomap/testkit';
import { mount } from '../../src/index.js';
import { missingE2fsprogs, mke2fsBytes, prerequisites } from '../workload/host-tools.js';
import { runScript } from './crash-script.js';
import { sweepCrashStates } from './crash-sweep.js';
import { checkRecords, recordBytes } from './records.js';

describe('self-describing records (crash data check)', () => {
  const wrote = (fileId: number, version: number, offset: number): boolean => fileId === 1 && version === 1 && offset < 64;
  it('accepts a file of its own records and holes', () => {
    const bytes = new Uint8Array(96);
    bytes.set(recordBytes(1, 1, 0, 48));
    expect(checkRecords(bytes, new Set([1]), wrote)).toBeUndefined();
  });
  it('rejects another file\'s records, a record at the wrong offset, an unknown write and garbage', () => {
    expect(checkRecords(recordBytes(2, 1, 0, 16), new Set([1]), () => true)).toMatch(/never had this name/);
    const shifted = new Uint8Array(32);
    shifted.set(recordBytes(1, 1, 0, 16), 16);
    expect(checkRecords(shifted, new Set([1]), wrote)).toMatch(/written at offset 0/);
    expect(checkRecords(recordBytes(1, 1, 64, 16).slice(), new Set([1]), () => false)).toMatch(/written at offset 64|never covered/);
    expect(checkRecords(new Uint8Array(16).fill(7), new Set([1]), wrote)).toMatch(/not any file's data/);
  });
});

/** A device that acknowledges flushes without passing them on (a write cache that lies). */
class FlushDroppingDevice extends PassThroughDevice {
  override async flush(): Promise<void> {}
}

describe.skipIf(!prerequisites('crash oracle test', [missingE2fsprogs()]))('the crash sweep catches lost fsyncs', () => {
  it('reports an fsync\'d file missing when the device drops flushes', async () => {
    const device = await CrashDevice.wrap(MemoryBlockDevice.from(mke2fsBytes({ blockSize: 1024, size: 4 << 20 })));
    const fs = await mount(new FlushDroppingDevice(device), { readOnly: false });
    try {
      const record = await runScript(fs, device, [
        { do: 'create', id: 1, path: '/a' },
        { do: 'append', id: 1, length: 4096 },
        { do: 'fsync', id: 1 },
      ]);
      await expect(sweepCrashStates(device, record, { maxPoints: 100, states: 4, tornStates: 0, seed: 1, label: 'no flushes' })).rejects.toThrow(/fsync'd at \/a .* but is missing|not the \d+ fsync'd/);
    } finally {
      await fs.unmount();
    }
  });
});
