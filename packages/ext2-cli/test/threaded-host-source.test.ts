// The host-directory reader thread (mkfs -d): it must give exactly what the
// in-thread walk (hostTree) gives — entries, order, metadata, bytes, chunks
// of large files, errors with their path and code — and the images built
// from either must be bit-identical (--reproducible).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternBytes } from '@iomap/testkit';
import { hostTree } from '../src/copy/host-source.js';
import { threadedHostTree } from '../src/copy/threaded-host-source.js';
import type { TreeEntry, TreeSource } from '../src/copy/tree-entry.js';
import { BIN, runBin } from './support/run-cli.js';

const MiB = 1 << 20;
let dir = '';
let tree = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-reader-'));
  tree = join(dir, 'tree');
  // 40 directories of 30 files (sizes 0..~9 KiB, so batches fill and roll over), nested levels, links, a FIFO, a large file.
  for (let d = 0; d < 40; d++) {
    const sub = join(tree, `d${d}`, d % 4 === 0 ? 'deeper/still' : '');
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 30; f++) writeFileSync(join(sub, `f${f}`), patternBytes((d * 31 + f * 307) % 9000, d * 100 + f));
  }
  chmodSync(join(tree, 'd3', 'f7'), 0o4751);
  symlinkSync('d1/f2', join(tree, 'link'));
  symlinkSync('x'.repeat(300), join(tree, 'long-link'));
  linkSync(join(tree, 'd2', 'f3'), join(tree, 'hard'));
  spawnSync('mkfifo', [join(tree, 'fifo')]);
  writeFileSync(join(tree, 'big'), patternBytes(3 * MiB + 12345, 9));
  writeFileSync(join(tree, 'exactly-1M'), patternBytes(MiB, 10));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Everything an entry carries, its bytes read the way BuilderSink reads them (whole up to 1 MiB, else by chunk sizes). */
async function describeEntries(source: TreeSource): Promise<unknown[]> {
  const scratch = new Uint8Array(MiB);
  const out: unknown[] = [];
  for await (const e of source) {
    const { data: _data, readWhole: _readWhole, ...meta } = e;
    const whole = e.readWhole?.(scratch);
    let bytes: string | undefined;
    let chunks: number[] | undefined;
    if (whole !== undefined) bytes = createHash('sha256').update(whole).digest('hex');
    else if (e.data !== undefined) {
      const h = createHash('sha256');
      chunks = [];
      for await (const c of e.data()) {
        h.update(c);
        chunks.push(c.length);
      }
      bytes = h.digest('hex');
    }
    out.push({ ...meta, path: e.path.map((c) => Buffer.from(c).toString('latin1')), target: e.target && Buffer.from(e.target).toString('latin1'), bytes, chunks });
  }
  return out;
}

async function errorOf(source: TreeSource): Promise<{ code?: string; message: string; path?: string; syscall?: string; count: number }> {
  let count = 0;
  try {
    for await (const _ of source) count++;
  } catch (err) {
    const e = err as { code?: string; message: string; path?: string; syscall?: string };
    return { code: e.code, message: e.message, path: e.path, syscall: e.syscall, count };
  }
  throw new Error('the walk did not fail');
}

describe('threadedHostTree (the mkfs -d reader thread)', () => {
  it('gives the entries hostTree gives: same order, metadata, link ids, targets, bytes; a >1 MiB file in the same 1 MiB chunks', async () => {
    await describeEntries(hostTree(tree)); // a first read settles the atimes (relatime) both walks then see
    const expected = await describeEntries(hostTree(tree));
    const got = await describeEntries(threadedHostTree(tree, {}, { requireThread: true }));
    expect(got).toHaveLength(40 * 31 + 10 * 2 + 6 + 1);
    expect(got).toEqual(expected);
    const big = got.find((e) => (e as { path: string[] }).path.join('/') === 'big') as { chunks: number[] };
    expect(big.chunks).toEqual([MiB, MiB, MiB, 12345]);
    const hard = got.filter((e) => (e as { linkId?: string }).linkId !== undefined);
    expect(hard).toHaveLength(2);
  });

  it('parent directories of entries stay intact after their batch was consumed (batch buffers go back to the thread for reuse)', async () => {
    const parents = async (source: TreeSource): Promise<string[]> => {
      const kept: Uint8Array[][] = [];
      for await (const e of source) kept.push(e.path.slice(0, -1));
      return kept.map((p) => p.map((c) => Buffer.from(c).toString('latin1')).join('/'));
    };
    const got = await parents(threadedHostTree(tree, {}, { requireThread: true }));
    expect(new Set(got).size).toBeGreaterThan(40);
    expect(got).toEqual(await parents(hostTree(tree)));
  });

  it('an entry whose data is not read (or a large file read halfway) does not disturb the entries after it; a second data() re-reads the host file', async () => {
    const seen: string[] = [];
    let second: number[] = [];
    for await (const e of threadedHostTree(tree, {}, { requireThread: true })) {
      const name = e.path.map((c) => Buffer.from(c).toString()).join('/');
      seen.push(name);
      if (name === 'big') {
        const it = e.data?.()[Symbol.asyncIterator]();
        await it?.next(); // one chunk of four, then abandoned
        await it?.return?.(undefined);
        second = [];
        for await (const c of (e as Required<TreeEntry>).data()) second.push(c.length);
      }
    }
    expect(second).toEqual([MiB, MiB, MiB, 12345]);
    const expected: string[] = [];
    for await (const e of hostTree(tree)) expected.push(e.path.map((c) => Buffer.from(c).toString()).join('/'));
    expect(seen).toEqual(expected);
  });

  it('a 40 MiB file arrives in 1 MiB chunks (never in one message), its bytes intact', async () => {
    const only = join(dir, 'one-big');
    mkdirSync(only);
    writeFileSync(join(only, 'f'), patternBytes(40 * MiB, 3));
    const sizes: number[] = [];
    const h = createHash('sha256');
    for await (const e of threadedHostTree(only, {}, { requireThread: true })) {
      if (e.kind !== 'file') continue;
      expect(e.readWhole?.(new Uint8Array(MiB))).toBeUndefined();
      for await (const c of (e as Required<TreeEntry>).data()) {
        sizes.push(c.length);
        h.update(c);
      }
    }
    expect(sizes).toEqual(new Array(40).fill(MiB));
    expect(h.digest('hex')).toBe(createHash('sha256').update(readFileSync(join(only, 'f'))).digest('hex'));
  });

  it('a walk error (a path longer than PATH_MAX) ends the walk at the same entry with the same code, syscall and path as hostTree', async () => {
    const deep = join(dir, 'deep');
    mkdirSync(deep);
    try {
      // Made one level at a time relative to the working directory (a child process may chdir; the full path is too long for mkdir).
      const script = `const fs = require('node:fs'); process.chdir(${JSON.stringify(deep)}); for (let i = 0; i < 18; i++) { fs.mkdirSync('L'.repeat(250)); process.chdir('L'.repeat(250)); } fs.writeFileSync('last', '');`;
      const made = spawnSync(process.execPath, ['-e', script]);
      expect(made.stderr.toString()).toBe('');
      const expected = await errorOf(hostTree(deep));
      expect(expected.code).toBe('ENAMETOOLONG');
      expect(expected.count).toBeGreaterThan(10);
      expect(await errorOf(threadedHostTree(deep, {}, { requireThread: true }))).toEqual(expected);
    } finally {
      spawnSync('rm', ['-rf', deep]);
    }
  });

  it('a thread that cannot start falls back to the walk on this thread (same entries); with requireThread it is an error', async () => {
    const expected = await describeEntries(hostTree(join(tree, 'd5')));
    expect(await describeEntries(threadedHostTree(join(tree, 'd5'), {}, { script: 'throw new Error("no thread here")' }))).toEqual(expected);
    await expect(describeEntries(threadedHostTree(join(tree, 'd5'), {}, { script: 'throw new Error("no thread here")', requireThread: true }))).rejects.toThrow('no thread here');
  });
});

describe('mkfs -d with the reader thread (the bundled command)', () => {
  it('--reproducible: the image read by the thread is bit-identical to the one read on the main thread', () => {
    const sha = (reader: string): string => {
      const image = join(dir, `repro-${reader}.img`);
      const r = runBin(['mkfs', image, '-s', '32M', '-d', tree, '--reproducible'], { env: { EXT2_LITE_HOST_READER: reader } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return createHash('sha256').update(readFileSync(image)).digest('hex');
    };
    expect(sha('thread')).toBe(sha('sync'));
  });

  it('an unreadable file: both readers report it the same way (image, path, EACCES, host path), copy the rest and exit 1', () => {
    const src = join(dir, 'locked');
    mkdirSync(src);
    writeFileSync(join(src, 'a'), 'a\n');
    writeFileSync(join(src, 'b-secret'), 'secret\n');
    writeFileSync(join(src, 'c'), 'c\n');
    chmodSync(src, 0o755);
    chmodSync(join(src, 'b-secret'), 0o000);
    chmodSync(dir, 0o777);
    // Root reads any file: run the command as nobody then.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const run = (reader: string): { code: number | null; stderr: string; image: string } => {
      const image = join(dir, `locked-${reader}.img`);
      const r = spawnSync(process.execPath, [BIN, 'mkfs', image, '-s', '4M', '-d', src], { ...asUser, env: { ...process.env, EXT2_LITE_HOST_READER: reader } });
      return { code: r.status, stderr: r.stderr.toString().replaceAll(image, 'IMAGE'), image };
    };
    const thread = run('thread');
    const sync = run('sync');
    expect(thread.stderr).toBe(`ext2-lite mkfs: IMAGE:/b-secret: EACCES: permission denied, open '${join(src, 'b-secret')}'\n`);
    expect(thread.code).toBe(1);
    expect(sync).toEqual({ ...thread, image: sync.image });
    for (const name of ['a', 'c']) expect(runBin(['cat', `${thread.image}:/${name}`]).out).toBe(`${name}\n`);
  });
});
