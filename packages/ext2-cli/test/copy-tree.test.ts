// copyTree over the four pairings of a synchronous or asynchronous source
// (a host walk or an archive) with a sink that finishes synchronously or
// returns a promise (BuilderSink for a small file, or a streamed one). All
// four must copy the same entries in the same order, report an entry the
// sink refuses and skip its subtree, and stop at a fatal error (ENOSPC)
// whether it is thrown or rejected.
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FsError, type ErrnoCode } from '@iomap/core';
import { createContext } from '../src/cli/cli-context.js';
import type { Subject } from '../src/cli/error-report.js';
import { copyTree, type TreeSink } from '../src/copy/tree-sink.js';
import { isSyncSource, mapSource, type TreeEntry, type TreeSource } from '../src/copy/tree-entry.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (path: readonly Uint8Array[]): string => `/${path.map((c) => new TextDecoder().decode(c)).join('/')}`;

const entry = (path: string[], kind: TreeEntry['kind']): TreeEntry => ({ path: path.map(enc), kind, perm: 0o644, uid: 0, gid: 0, atimeNs: 0n, mtimeNs: 0n, size: 0, rdev: 0 });

const TREE: TreeEntry[] = [
  entry([], 'dir'),
  entry(['a'], 'dir'),
  entry(['a', 'refused'], 'dir'),
  entry(['a', 'refused', 'child'], 'file'),
  entry(['a', 'refused', 'deeper'], 'dir'),
  entry(['a', 'refused', 'deeper', 'x'], 'file'),
  entry(['a', 'kept'], 'file'),
  entry(['b'], 'file'),
];

function sourceOf(entries: TreeEntry[], sync: boolean): TreeSource {
  return sync
    ? (function* () {
        yield* entries;
      })()
    : (async function* () {
        yield* entries;
      })();
}

/** A sink that records what it created; `failOn` paths fail (thrown or rejected) with `code`. */
class RecordingSink implements TreeSink {
  readonly created: string[] = [];
  finished = false;

  constructor(
    private readonly async: boolean,
    private readonly failOn: Map<string, ErrnoCode>,
  ) {}

  add(e: TreeEntry): Promise<void> | undefined {
    const path = dec(e.path);
    const code = this.failOn.get(path);
    const act = (): void => {
      if (code !== undefined) throw new FsError(code, `cannot make ${path}`, { syscall: 'mknod' });
      this.created.push(path);
    };
    if (!this.async) return act(), undefined;
    return Promise.resolve().then(act);
  }

  finish(): Promise<void> {
    this.finished = true;
    return Promise.resolve();
  }

  describe(path: readonly Uint8Array[]): string {
    return dec(path);
  }

  subject(path: readonly Uint8Array[]): Subject {
    return { image: 'test.img', path: dec(path) };
  }
}

function context(): { ctx: ReturnType<typeof createContext>; lines: string[] } {
  const stderr = new PassThrough();
  const lines: string[] = [];
  stderr.on('data', (b: Buffer) => lines.push(...b.toString().trimEnd().split('\n')));
  const ctx = createContext({ stdout: new PassThrough(), stderr, stdin: Readable.from([]), stderrIsTTY: false, env: {}, cwd: '/' }, { json: false, quiet: false, verbose: false }, 'cp');
  return { ctx, lines };
}

const PAIRINGS = [
  { source: 'synchronous', sink: 'synchronous' },
  { source: 'synchronous', sink: 'asynchronous' },
  { source: 'asynchronous', sink: 'synchronous' },
  { source: 'asynchronous', sink: 'asynchronous' },
] as const;

describe('copyTree', () => {
  for (const p of PAIRINGS) {
    it(`${p.source} source, ${p.sink} sink: every entry in order; a refused entry is reported and its subtree skipped`, async () => {
      const { ctx, lines } = context();
      const sink = new RecordingSink(p.sink === 'asynchronous', new Map<string, ErrnoCode>([['/a/refused', 'EACCES']]));
      let done = 0;
      await copyTree(ctx, sourceOf(TREE, p.source === 'synchronous'), sink, { bytes: () => undefined, entryDone: () => void done++, stop: () => undefined });
      expect(sink.created).toEqual(['/', '/a', '/a/kept', '/b']);
      expect(done).toBe(4);
      expect(sink.finished).toBe(true);
      expect(ctx.failures).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/test\.img.*\/a\/refused.*EACCES/);
    });

    it(`${p.source} source, ${p.sink} sink: a fatal error (ENOSPC) stops the copy`, async () => {
      const { ctx } = context();
      const sink = new RecordingSink(p.sink === 'asynchronous', new Map<string, ErrnoCode>([['/a/kept', 'ENOSPC']]));
      await expect(copyTree(ctx, sourceOf(TREE, p.source === 'synchronous'), sink)).rejects.toMatchObject({ cause: expect.objectContaining({ code: 'ENOSPC' }) });
      // Nothing after /a/kept: /b is never offered.
      expect(sink.created).toEqual(['/', '/a', '/a/refused', '/a/refused/child', '/a/refused/deeper', '/a/refused/deeper/x']);
      expect(sink.finished).toBe(false);
    });
  }

  it('mapSource keeps a synchronous source synchronous, an asynchronous one asynchronous', async () => {
    const upper = (e: TreeEntry): TreeEntry => ({ ...e, uid: 7 });
    const syncMapped = mapSource(sourceOf(TREE, true), upper);
    const asyncMapped = mapSource(sourceOf(TREE, false), upper);
    expect(isSyncSource(syncMapped)).toBe(true);
    expect(isSyncSource(asyncMapped)).toBe(false);
    const uids: number[] = [];
    for (const e of syncMapped as Iterable<TreeEntry>) uids.push(e.uid);
    for await (const e of asyncMapped) uids.push(e.uid);
    expect(uids).toEqual(new Array(TREE.length * 2).fill(7));
  });
});
