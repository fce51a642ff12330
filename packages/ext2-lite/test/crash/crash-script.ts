// Scripted workloads for the crash sweep, and what running one records.
// Files are known by an id; every write writes self-describing records
// (records.ts) so later any byte can be traced to the write that made it.
// While the script runs on a CrashDevice, each step notes the device's log
// points before and after it, so the sweep knows which steps could have
// reached the disk by any crash point, and each fsync/sync notes the file
// contents it made durable.
import type { CrashDevice } from '@iomap/testkit';
import type { Ext2Filesystem } from '../../src/index.js';
import { SparseBytes } from '../workload/model/sparse-bytes.js';
import { recordBytes, RECORD } from './records.js';

export type CrashStep =
  /** Creates an empty file (open 'wx'). */
  | { do: 'create'; id: number; path: string }
  /** open r+, write records at pos, close. */
  | { do: 'write'; id: number; pos: number; length: number }
  | { do: 'append'; id: number; length: number }
  | { do: 'truncate'; id: number; size: number }
  /** open r+, FileHandle.sync(), close. */
  | { do: 'fsync'; id: number }
  | { do: 'rename'; from: string; to: string }
  | { do: 'unlink'; path: string }
  | { do: 'link'; id: number; path: string }
  | { do: 'mkdir'; path: string }
  | { do: 'rmdir'; path: string }
  /** Filesystem-wide sync(). */
  | { do: 'sync' };

/** One step as it ran: its log points, and which files' data or names it may have changed. */
export interface StepRecord {
  index: number;
  step: CrashStep;
  /** Log point when the step started and when it finished. */
  start: number;
  end: number;
  touches: Set<number>;
}

/** What an fsync (one file) or a sync (all files) made durable when it returned at log point `at`. */
export interface DurablePoint {
  index: number;
  at: number;
  files: { id: number; path: string; content: Uint8Array }[];
}

export interface ScriptRecord {
  steps: StepRecord[];
  durable: DurablePoint[];
  /** Every write: file id -> version -> [pos, end). */
  writes: Map<number, Map<number, [number, number]>>;
  /** Every id a path ever named. */
  names: Map<string, Set<number>>;
}

/** Runs `steps` on a mounted filesystem over `device`, recording everything the sweep needs. */
export async function runScript(fs: Ext2Filesystem, device: CrashDevice, steps: readonly CrashStep[]): Promise<ScriptRecord> {
  const fsp = fs.promises as unknown as ScriptFs;
  const paths = new Map<string, number>();
  const contents = new Map<number, SparseBytes>();
  const record: ScriptRecord = { steps: [], durable: [], writes: new Map(), names: new Map() };
  let version = 0;
  const pathOf = (id: number): string => {
    for (const [path, owner] of paths) if (owner === id) return path;
    throw new Error(`script error: file ${id} has no name`);
  };
  const name = (path: string, id: number): void => {
    paths.set(path, id);
    record.names.set(path, (record.names.get(path) ?? new Set()).add(id));
  };
  const write = async (id: number, pos: number | 'end', length: number): Promise<void> => {
    const content = contents.get(id) as SparseBytes;
    const at = pos === 'end' ? content.size : pos;
    const data = recordBytes(id, ++version, at, length);
    const h = await fsp.open(pathOf(id), pos === 'end' ? 'a' : 'r+');
    try {
      const { bytesWritten } = await h.write(data, 0, data.length, pos === 'end' ? null : at);
      if (bytesWritten !== data.length) throw new Error(`short write ${bytesWritten} of ${data.length}`);
    } finally {
      await h.close();
    }
    content.write(at, data);
    const versions = record.writes.get(id) ?? new Map<number, [number, number]>();
    versions.set(version, [at, at + length]);
    record.writes.set(id, versions);
  };
  for (const [index, step] of steps.entries()) {
    const start = device.point;
    const touches = new Set<number>();
    switch (step.do) {
      case 'create':
        await fsp.writeFile(step.path, new Uint8Array(0), { flag: 'wx' });
        contents.set(step.id, new SparseBytes());
        name(step.path, step.id);
        touches.add(step.id);
        break;
      case 'write':
        await write(step.id, step.pos, step.length);
        touches.add(step.id);
        break;
      case 'append':
        await write(step.id, 'end', step.length);
        touches.add(step.id);
        break;
      case 'truncate':
        if (step.size % RECORD !== 0) throw new Error('script error: truncate to a multiple of 16');
        await fsp.truncate(pathOf(step.id), step.size);
        (contents.get(step.id) as SparseBytes).truncate(step.size);
        touches.add(step.id);
        break;
      case 'fsync': {
        const h = await fsp.open(pathOf(step.id), 'r+');
        try {
          await h.sync();
        } finally {
          await h.close();
        }
        record.durable.push({ index, at: device.point, files: [{ id: step.id, path: pathOf(step.id), content: (contents.get(step.id) as SparseBytes).all() }] });
        break;
      }
      case 'rename': {
        const moved = paths.get(step.from);
        const replaced = paths.get(step.to);
        await fsp.rename(step.from, step.to);
        if (replaced !== undefined) touches.add(replaced);
        if (moved !== undefined) {
          touches.add(moved);
          paths.delete(step.from);
          name(step.to, moved);
        } else {
          // A directory: every file below it moves.
          for (const [path, id] of [...paths]) {
            if (path.startsWith(`${step.from}/`)) {
              touches.add(id);
              paths.delete(path);
              name(step.to + path.slice(step.from.length), id);
            }
          }
        }
        break;
      }
      case 'unlink': {
        const id = paths.get(step.path);
        await fsp.unlink(step.path);
        if (id !== undefined) touches.add(id);
        paths.delete(step.path);
        break;
      }
      case 'link':
        await fsp.link(pathOf(step.id), step.path);
        name(step.path, step.id);
        touches.add(step.id);
        break;
      case 'mkdir':
        await fsp.mkdir(step.path);
        break;
      case 'rmdir':
        await fsp.rmdir(step.path);
        break;
      case 'sync':
        await fs.sync();
        record.durable.push({
          index,
          at: device.point,
          files: [...paths].map(([path, id]) => ({ id, path, content: (contents.get(id) as SparseBytes).all() })),
        });
        break;
    }
    record.steps.push({ index, step, start, end: device.point, touches });
  }
  return record;
}

/** The fs.promises calls a script makes. */
interface ScriptFs {
  writeFile(path: string, data: Uint8Array, options: { flag: string }): Promise<void>;
  open(path: string, flags: string): Promise<{
    write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesWritten: number }>;
    sync(): Promise<void>;
    close(): Promise<void>;
  }>;
  truncate(path: string, size: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  mkdir(path: string): Promise<unknown>;
  rmdir(path: string): Promise<void>;
}

/** Whether `fileId`'s write `version` covered `offset`. */
export function wroteAt(record: ScriptRecord, fileId: number, version: number, offset: number): boolean {
  const range = record.writes.get(fileId)?.get(version);
  return range !== undefined && offset >= range[0] && offset < range[1];
}
