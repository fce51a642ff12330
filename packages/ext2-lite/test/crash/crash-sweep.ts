// The crash sweep: for chosen crash points of a recorded script (every
// point when the log is short; step boundaries, flushes and an even sample
// otherwise) and the device images a power cut there may leave (flush-
// ordered; reordered pending writes; torn writes), judge each image:
//   - e2fsck -fy repairs it (exit 0 or 1), and e2fsck -fn then finds nothing;
//   - every file whose last fsync (or sync) returned before the crash, and
//     that no later step started to change, has exactly its fsync'd bytes at
//     its fsync'd path (with torn writes a directory block may be lost: the
//     file may then be in lost+found, still with exactly those bytes);
//   - no file holds a byte it never had: every 16-byte record is zero or
//     was written to that file, at that offset (records.ts).
// Besides, the image right after each fsync/sync returned must be
// e2fsck -fn clean without any repair (fsync writes all metadata) — except
// for blocks still marked in use that nothing points at any more: by the
// write contract, freed blocks stay allocated until the metadata that freed
// them is durable and are released at the next metadata sync, so an image
// caught between the two shows exactly that leak (deferredFreesOnly).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBlockDevice } from '@iomap/core';
import type { CrashDevice, CrashState } from '@iomap/testkit';
import { mount } from '../../src/index.js';
import { e2fsck, scratch } from '../workload/host-tools.js';
import { wroteAt, type ScriptRecord } from './crash-script.js';
import { checkRecords } from './records.js';

export interface SweepOptions {
  /** At most this many crash points (step boundaries and flushes always count). */
  maxPoints: number;
  /** Crash states per point without torn writes. */
  states: number;
  /** Extra states per point with torn writes (0: none). */
  tornStates: number;
  seed: number;
  /** Label for failure messages. */
  label: string;
}

export interface SweepReport {
  points: number;
  states: number;
  /** Distinct images judged (identical images are judged once). */
  images: number;
  /** Images e2fsck -fy had to repair. */
  repaired: number;
  /** fsync'd files checked byte for byte. */
  durableChecks: number;
  /** Of those, found in lost+found after a torn directory write. */
  recoveredFromLostFound: number;
}

/** e2fsck -fn lines that only say "blocks marked used are free" (and the counts and verdicts that follow from it). */
const DEFERRED_FREE_LINES = [
  /^Block bitmap differences: {2}(-\(?\d+(--\d+)?\)?\s*)+$/,
  /^Fix\? no$/,
  /^Free blocks count wrong for group #\d+ \(\d+, counted=\d+\)\.$/,
  /^Free blocks count wrong \(\d+, counted=\d+\)\.$/,
  /\*+ WARNING: Filesystem still has errors \*+$/,
];

/** undefined when e2fsck -fn found nothing but not-yet-released frees; else its report. */
function deferredFreesOnly(image: Uint8Array, dir: string): string | undefined {
  const path = join(dir, 'durable.img');
  writeFileSync(path, image);
  const r = e2fsck(path, ['-fn']);
  const serious = r.problems.filter((line) => !DEFERRED_FREE_LINES.some((re) => re.test(line.trim())));
  if (serious.length === 0 && (r.status === 0 || r.status === 4)) return undefined;
  return `e2fsck -fn exited ${r.status}:\n${r.output}`;
}

/** What a repaired crash image holds. */
interface Judged {
  fsckStatus: number;
  files: Map<string, Uint8Array>;
}

async function readTree(image: Uint8Array): Promise<Map<string, Uint8Array>> {
  const fs = await mount(MemoryBlockDevice.from(image), { readOnly: true });
  const files = new Map<string, Uint8Array>();
  try {
    const fsp = fs.promises;
    const visit = async (dir: string): Promise<void> => {
      for (const name of await fsp.readdir(dir)) {
        const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
        const st = await fsp.lstat(path);
        if (st.isDirectory()) await visit(path);
        else if (st.isFile()) files.set(path, new Uint8Array(await fsp.readFile(path)));
      }
    };
    await visit('/');
  } finally {
    await fs.unmount();
  }
  return files;
}

/** e2fsck -fy, then e2fsck -fn, then the files; throws when the image cannot be brought back. */
async function repairAndRead(image: Uint8Array, dir: string): Promise<Judged> {
  const path = join(dir, 'crash.img');
  writeFileSync(path, image);
  const fixed = e2fsck(path, ['-fy']);
  if (fixed.status !== 0 && fixed.status !== 1) throw new Error(`e2fsck -fy exited ${fixed.status}:\n${fixed.output}`);
  const again = e2fsck(path, ['-fn']);
  if (again.status !== 0 || again.problems.length > 0) {
    throw new Error(`e2fsck -fn after e2fsck -fy exited ${again.status}:\n${again.output}\n(the repair run said:\n${fixed.output})`);
  }
  return { fsckStatus: fixed.status, files: await readTree(new Uint8Array(readFileSync(path))) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The crash points to judge: all when few, else step boundaries, flushes and an even sample. */
function crashPoints(device: CrashDevice, record: ScriptRecord, max: number): number[] {
  const last = device.point;
  if (last + 1 <= max) return Array.from({ length: last + 1 }, (_, i) => i);
  const points = new Set<number>([0, last]);
  for (const s of record.steps) points.add(s.start).add(s.end);
  for (const e of device.log) if (e.kind === 'flush') points.add(e.seq);
  const room = Math.max(0, max - points.size);
  for (let i = 1; i <= room; i++) points.add(Math.round((i * last) / (room + 1)));
  return [...points].sort((a, b) => a - b);
}

/** What must hold in a state after a crash at `at`; returns the problems. */
function expectations(record: ScriptRecord, at: number, torn: boolean, judged: Judged, report: SweepReport): string[] {
  const problems: string[] = [];
  const lost = [...judged.files].filter(([path]) => path.startsWith('/lost+found/'));
  // fsync'd files are intact.
  const latest = new Map<number, { index: number; path: string; content: Uint8Array }>();
  for (const d of record.durable) {
    if (d.at > at) continue;
    for (const f of d.files) latest.set(f.id, { index: d.index, path: f.path, content: f.content });
  }
  for (const [id, d] of latest) {
    const changedLater = record.steps.some((s) => s.index > d.index && s.start < at && s.touches.has(id));
    if (changedLater) continue;
    report.durableChecks++;
    const actual = judged.files.get(d.path);
    if (actual !== undefined && sameBytes(actual, d.content)) continue;
    if (torn && lost.some(([, bytes]) => sameBytes(bytes, d.content))) {
      report.recoveredFromLostFound++;
      continue;
    }
    problems.push(
      actual === undefined
        ? `file ${id} was fsync'd at ${d.path} (step ${d.index}) but is missing`
        : `file ${id} at ${d.path} has ${actual.length} bytes, not the ${d.content.length} fsync'd at step ${d.index}`,
    );
  }
  // No file holds bytes it never had.
  for (const [path, bytes] of judged.files) {
    const inLost = path.startsWith('/lost+found/');
    const names = record.names.get(path);
    if (!inLost && names === undefined) {
      problems.push(`${path} appeared, but the script never made it`);
      continue;
    }
    const bad = checkRecords(bytes, inLost ? undefined : names, (fileId, version, offset) => wroteAt(record, fileId, version, offset));
    if (bad !== undefined) problems.push(`${path}: ${bad}`);
  }
  return problems;
}

/** Judges the crash states of a recorded script; throws with the crash point, state and problems on the first failure. */
export async function sweepCrashStates(device: CrashDevice, record: ScriptRecord, options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = { points: 0, states: 0, images: 0, repaired: 0, durableChecks: 0, recoveredFromLostFound: 0 };
  const cache = new Map<string, Judged>();
  const { dir, cleanup } = scratch('crash-');
  try {
    // The image as each fsync/sync left it is consistent without repair.
    for (const d of record.durable) {
      const problems = deferredFreesOnly(device.stateAt(d.at).bytes, dir);
      if (problems !== undefined) throw new Error(`${options.label}: the image right after step ${d.index} (${JSON.stringify(record.steps[d.index]?.step)}) returned is not clean:\n${problems}`);
    }
    for (const at of crashPoints(device, record, options.maxPoints)) {
      report.points++;
      const states: [CrashState, boolean][] = [];
      for (const s of device.crashStates({ at, maxStates: options.states, seed: options.seed + at })) states.push([s, false]);
      if (options.tornStates > 0) {
        for (const s of device.crashStates({ at, maxStates: options.tornStates, seed: options.seed * 7 + at, torn: true })) states.push([s, true]);
      }
      for (const [state, torn] of states) {
        report.states++;
        const image = state.device.bytes;
        const key = createHash('sha1').update(image).digest('hex');
        let judged = cache.get(key);
        const where = () => `${options.label}: ${state.label}${torn ? ' (torn writes)' : ''}`;
        if (judged === undefined) {
          try {
            judged = await repairAndRead(image, dir);
          } catch (err) {
            throw new Error(`${where()}: ${(err as Error).message}`);
          }
          cache.set(key, judged);
          report.images++;
          if (judged.fsckStatus !== 0) report.repaired++;
        }
        const problems = expectations(record, at, torn, judged, report);
        if (problems.length > 0) {
          const steps = record.steps.filter((s) => s.start < at).map((s) => `  #${s.index} [${s.start}-${s.end}] ${JSON.stringify(s.step)}`);
          throw new Error(`${where()}:\n${problems.join('\n')}\nsteps started before the crash:\n${steps.join('\n')}`);
        }
      }
    }
  } finally {
    cleanup();
  }
  return report;
}
