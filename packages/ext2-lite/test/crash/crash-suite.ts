// The crash sweep suite (issue 7, "Must show"), defined per image
// configuration (crash-sweep-1k.test.ts, crash-sweep-4k.test.ts): scripted
// workloads with fsyncs run on a CrashDevice; for every crash point
// (sampled when the log is long)
// and the images a power cut there may leave — pending writes present or
// absent in any combination, and torn into sectors — e2fsck -fy brings the
// image back to clean, fsync'd files are intact and no file contains bytes
// it never had (crash-sweep.ts says exactly what is checked).
// CRASH_SCALE (or WORKLOAD_SCALE) multiplies points, states and random scripts.
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice } from '@iomap/core';
import { CrashDevice } from '@iomap/testkit';
import { mkfs, mount } from '../../src/index.js';
import { fsckProblems, missingE2fsprogs, mke2fsBytes, prerequisites } from '../workload/host-tools.js';
import { workloadScale } from '../workload/scale.js';
import { runScript, type CrashStep } from './crash-script.js';
import { CRASH_SCRIPTS, randomScript } from './crash-scripts.js';
import { sweepCrashStates, type SweepReport } from './crash-sweep.js';

const scale = Number(process.env['CRASH_SCALE'] ?? workloadScale());
const tools = prerequisites('crash sweep', [missingE2fsprogs()]);

export interface CrashConfig {
  name: string;
  image: () => Promise<Uint8Array>;
  /** Page cache budget of the mount: small budgets make writeback happen between fsyncs too. */
  cacheBytes: number;
  /** Mount option flushBehindBytes: small values put background flushes between the scripts' own syncs. */
  flushBehindBytes?: number;
}

export const CRASH_CONFIGS: Record<'1k' | '4k', CrashConfig> = {
  '1k': {
    name: '1 KiB blocks, 128-byte inodes (mke2fs), 256 KiB cache',
    image: async () => mke2fsBytes({ blockSize: 1024, inodeSize: 128, size: 4 << 20 }),
    cacheBytes: 256 << 10,
    // Background flushes (sync/flush-behind.ts) in the middle of writeback: they must add no crash state.
    flushBehindBytes: 8 << 10,
  },
  '4k': {
    name: '4 KiB blocks, 256-byte inodes (mkfs)',
    image: async () => {
      const device = new MemoryBlockDevice({ size: 8 << 20 });
      await mkfs(device, { blockSize: 4096, inodeSize: 256 });
      return device.bytes.slice();
    },
    cacheBytes: 64 << 20,
  },
};

const scripts: [string, CrashStep[]][] = [
  ...Object.entries(CRASH_SCRIPTS),
  ...Array.from({ length: Math.max(1, Math.round(2 * scale)) }, (_, i): [string, CrashStep[]] => [`random script seed ${i + 1}`, randomScript(i + 1, 30)]),
];

/** Defines the sweep of every script on one image configuration. */
export function defineCrashSuite(config: CrashConfig): void {
  describe.skipIf(!tools)(`crash sweep on a CrashDevice, ${config.name} (issue 7: durability and ordering)`, () => {
    for (const [name, steps] of scripts) {
      it(`${config.name}: ${name}`, async () => {
        const device = await CrashDevice.wrap(MemoryBlockDevice.from(await config.image()));
        const fs = await mount(device, { readOnly: false, cacheBytes: config.cacheBytes, ...(config.flushBehindBytes === undefined ? {} : { flushBehindBytes: config.flushBehindBytes }) });
        let report: SweepReport;
        try {
          const record = await runScript(fs, device, steps);
          report = await sweepCrashStates(device, record, {
            // Every crash point of these logs (they are 40-100 entries long), the
            // extreme states (nothing / everything pending reached the disk) plus
            // one sampled reordering and one torn state at each.
            maxPoints: Math.round(120 * scale),
            states: Math.max(3, Math.round(3 * scale)),
            tornStates: Math.max(1, Math.round(scale)),
            seed: steps.length,
            label: `${config.name}, ${name}`,
          });
        } finally {
          await fs.unmount();
        }
        console.log(`${config.name}, ${name}: ${device.point} log entries, ${report.points} crash points, ${report.states} states, ${report.images} distinct images (${report.repaired} needed e2fsck -fy repairs), ${report.durableChecks} fsync'd-file checks (${report.recoveredFromLostFound} found in lost+found after torn writes)`);
        // No crash at all: the unmounted image is clean.
        expect(fsckProblems(device.stateAt().bytes)).toBeUndefined();
        expect(report.durableChecks).toBeGreaterThan(0);
        expect(report.images).toBeGreaterThan(1);
      }, 300_000);
    }
  });
}
