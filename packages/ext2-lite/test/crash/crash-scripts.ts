// The scripted workloads of the crash sweep: each aims at one way a crash
// could lose fsync'd data or expose old bytes (EXT2.md 6; issue 7,
// "Durability and ordering"), plus seeded random scripts mixing them.
// Offsets and lengths are multiples of 16 (records.ts).
import { SeededRandom } from '@iomap/testkit';
import type { CrashStep } from './crash-script.js';

const K = 1024;

export const CRASH_SCRIPTS: Record<string, CrashStep[]> = {
  /** fsync'd data must survive later unsynced overwrites, appends and truncates. */
  'fsync then overwrite, append, truncate': [
    { do: 'mkdir', path: '/d' },
    { do: 'create', id: 1, path: '/d/a' },
    { do: 'append', id: 1, length: 3 * K },
    { do: 'fsync', id: 1 },
    { do: 'create', id: 2, path: '/d/b' },
    { do: 'write', id: 2, pos: 0, length: 5008 },
    { do: 'fsync', id: 2 },
    { do: 'write', id: 1, pos: 1024, length: 2048 },
    { do: 'append', id: 2, length: 8 * K },
    { do: 'fsync', id: 2 },
    { do: 'truncate', id: 1, size: 512 },
    { do: 'sync' },
    { do: 'append', id: 1, length: 4 * K },
    { do: 'write', id: 2, pos: 64 * K, length: 4 * K },
    { do: 'fsync', id: 1 },
  ],
  /** Blocks freed by an unlink that is not yet durable must not receive another file's data. */
  'unlink then reuse the space': [
    { do: 'create', id: 1, path: '/a' },
    { do: 'append', id: 1, length: 48 * K },
    { do: 'fsync', id: 1 },
    { do: 'unlink', path: '/a' },
    { do: 'create', id: 2, path: '/b' },
    { do: 'append', id: 2, length: 48 * K },
    { do: 'fsync', id: 2 },
    { do: 'create', id: 3, path: '/c' },
    { do: 'append', id: 3, length: 20 * K },
    { do: 'truncate', id: 2, size: 4 * K },
    { do: 'append', id: 3, length: 40 * K },
    { do: 'fsync', id: 3 },
  ],
  /** rename over an fsync'd file, then reuse its space. */
  'rename over an fsync-ed file': [
    { do: 'mkdir', path: '/p' },
    { do: 'mkdir', path: '/q' },
    { do: 'create', id: 1, path: '/p/x' },
    { do: 'append', id: 1, length: 24 * K },
    { do: 'fsync', id: 1 },
    { do: 'create', id: 2, path: '/q/y' },
    { do: 'append', id: 2, length: 12 * K },
    { do: 'fsync', id: 2 },
    { do: 'rename', from: '/q/y', to: '/p/x' },
    { do: 'create', id: 3, path: '/q/z' },
    { do: 'append', id: 3, length: 32 * K },
    { do: 'fsync', id: 3 },
    { do: 'rename', from: '/q', to: '/p/q' },
    { do: 'link', id: 3, path: '/z-link' },
    { do: 'sync' },
    { do: 'unlink', path: '/p/q/z' },
    { do: 'append', id: 3, length: 8 * K },
    { do: 'fsync', id: 3 },
  ],
  /** Indirect blocks: grow through IND and DIND in fsync'd steps, then truncate back into the direct blocks. */
  'indirect blocks grow and shrink': [
    { do: 'create', id: 1, path: '/big' },
    { do: 'append', id: 1, length: 10 * K },
    { do: 'fsync', id: 1 },
    { do: 'append', id: 1, length: 120 * K },
    { do: 'fsync', id: 1 },
    { do: 'write', id: 1, pos: 300 * K, length: 16 * K },
    { do: 'fsync', id: 1 },
    { do: 'create', id: 2, path: '/small' },
    { do: 'append', id: 2, length: 2 * K },
    { do: 'truncate', id: 1, size: 13 * K },
    { do: 'fsync', id: 1 },
    { do: 'append', id: 2, length: 60 * K },
    { do: 'fsync', id: 2 },
  ],
  /** A directory grows past one block while fsyncs make some of its files durable. */
  'directory growth': [
    { do: 'mkdir', path: '/many' },
    ...Array.from({ length: 24 }, (_, i): CrashStep[] => {
      const path = `/many/${`entry-${i}-`.padEnd(40 + (i % 5) * 30, 'n')}`;
      const steps: CrashStep[] = [
        { do: 'create', id: i + 1, path },
        { do: 'append', id: i + 1, length: 16 * (1 + (i % 7)) },
      ];
      if (i % 4 === 3) steps.push({ do: 'fsync', id: i + 1 });
      if (i % 6 === 5) steps.push({ do: 'unlink', path });
      return steps;
    }).flat(),
    { do: 'sync' },
    { do: 'mkdir', path: '/many/sub' },
    { do: 'rename', from: '/many', to: '/moved' },
    { do: 'create', id: 100, path: '/moved/sub/last' },
    { do: 'append', id: 100, length: 4 * K },
    { do: 'fsync', id: 100 },
  ],
};

/** A seeded random script over a few files and two directories, with fsyncs and syncs among the changes. */
export function randomScript(seed: number, length: number): CrashStep[] {
  const rng = new SeededRandom(seed);
  const steps: CrashStep[] = [{ do: 'mkdir', path: '/r' }];
  const live = new Map<number, string>();
  let nextId = 1;
  const dirs = ['', '/r'];
  const freshPath = (): string => {
    for (;;) {
      const path = `${rng.pick(dirs)}/f${rng.int(0, 12)}`;
      if (![...live.values()].includes(path)) return path;
    }
  };
  for (let i = 0; i < length; i++) {
    const ids = [...live.keys()];
    const kind = ids.length === 0 ? 'create' : rng.weighted({ create: 3, write: 5, append: 5, truncate: 2, fsync: 5, rename: 2, unlink: 2, sync: 1 });
    const id = ids.length > 0 ? rng.pick(ids) : 0;
    switch (kind) {
      case 'create': {
        const path = freshPath();
        live.set(nextId, path);
        steps.push({ do: 'create', id: nextId++, path });
        break;
      }
      case 'write':
        steps.push({ do: 'write', id, pos: 16 * rng.int(0, 4096), length: 16 * rng.int(1, 1024) });
        break;
      case 'append':
        steps.push({ do: 'append', id, length: 16 * rng.int(1, 2048) });
        break;
      case 'truncate':
        steps.push({ do: 'truncate', id, size: 16 * rng.int(0, 2048) });
        break;
      case 'fsync':
        steps.push({ do: 'fsync', id });
        break;
      case 'rename': {
        const to = rng.chance(0.5) && ids.length > 1 ? (live.get(rng.pick(ids.filter((x) => x !== id))) as string) : freshPath();
        for (const [other, path] of live) if (path === to) live.delete(other);
        steps.push({ do: 'rename', from: live.get(id) as string, to });
        live.set(id, to);
        break;
      }
      case 'unlink':
        steps.push({ do: 'unlink', path: live.get(id) as string });
        live.delete(id);
        break;
      case 'sync':
        steps.push({ do: 'sync' });
        break;
    }
  }
  return steps;
}
