// removeContents (namespace/remove-contents.ts; EXT2.md 4.3-4.5, issue 7):
// rm -r empties each directory in one Filesystem call, not a lookup, getattr
// and unlink per entry; every removal stays one metadata change, so a sync
// landing part-way writes a consistent image; open files stay readable until
// closed; a device error part-way is reported as the per-entry path reports
// it and leaves a consistent filesystem that a second rm finishes.
import { MemoryBlockDevice } from '@iomap/core';
import { FaultDevice } from '@iomap/testkit';
import { describe, expect, it, vi } from 'vitest';
import { check, mkfs, mount, type Ext2Filesystem } from '../../src/index.js';

const TOLERATED = new Set(['BLOCK_BITMAP_DIFFERENCE', 'INODE_BITMAP_DIFFERENCE']);

async function problemsOf(bytes: Uint8Array, tolerate = false): Promise<string[]> {
  const report = await check(MemoryBlockDevice.from(bytes));
  return report.problems.filter((p) => p.severity === 'error' && !(tolerate && TOLERATED.has(p.code))).map((p) => `${p.code}: ${p.message}`);
}

async function freshDevice(blockSize: 1024 | 4096): Promise<MemoryBlockDevice> {
  const device = new MemoryBlockDevice({ size: 16 << 20 });
  await mkfs(device, { blockSize, uuid: '5d0c3c1e-6a53-4b8e-9d1a-3d3c1b2a4f12', hashSeed: '1b4f2c9e-1d2a-4e6f-8a3b-5c6d7e8f9a0c', timestamp: 1_700_000_000 });
  return device;
}

/**
 * /t with `dirs` subdirectories of `files` small files each, plus what takes
 * the awaited path: a file with an indirect block, a slow symlink, an
 * extended attribute, a hard link across subdirectories, a nested directory.
 */
async function buildTree(fs: Ext2Filesystem, dirs: number, files: number): Promise<number> {
  const fsp = fs.promises;
  await fsp.mkdir('/t');
  let count = 1;
  for (let d = 0; d < dirs; d++) {
    await fsp.mkdir(`/t/d${d}`);
    count++;
    for (let f = 0; f < files; f++) await fsp.writeFile(`/t/d${d}/f${f}`, `file ${d}/${f}\n`);
    count += files;
  }
  await fsp.writeFile('/t/d0/big', new Uint8Array(64 << 10).fill(7));
  await fsp.symlink('x'.repeat(200), '/t/d0/slow-link');
  await fsp.symlink('f0', '/t/d0/fast-link');
  await fsp.setxattr?.('/t/d0/f1', 'user.tag', new Uint8Array(64).fill(1));
  await fsp.link('/t/d0/f2', `/t/d${dirs - 1}/hard`);
  await fsp.mkdir('/t/d0/nested');
  await fsp.writeFile('/t/d0/nested/leaf', 'leaf');
  return count + 6;
}

/** Every path under `dir`, depth first (a read-only view for counting what is left). */
async function walk(fs: Ext2Filesystem, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    out.push(path);
    if (entry.isDirectory()) out.push(...(await walk(fs, path)));
  }
  return out;
}

async function pathsIn(bytes: Uint8Array): Promise<string[] | undefined> {
  const fs = await mount(MemoryBlockDevice.from(bytes), { readOnly: true });
  try {
    return (await fs.promises.readdir('/')).includes('t') ? await walk(fs, '/t') : undefined;
  } finally {
    await fs.unmount();
  }
}

describe('removeContents: rm -r in one Filesystem call per tree (issue 7, EXT2.md 4.3-4.5)', () => {
  for (const blockSize of [1024, 4096] as const) {
    it(`${blockSize}-byte blocks: rm -r makes no per-entry unlink, lookup or getattr, and leaves every block and inode free again`, async () => {
      const device = await freshDevice(blockSize);
      const fs = await mount(device, { readOnly: false });
      const before = await fs.statfs();
      await buildTree(fs, 5, 40);
      await fs.sync();
      const unlink = vi.spyOn(fs, 'unlink');
      const lookup = vi.spyOn(fs, 'lookup');
      const getattr = vi.spyOn(fs, 'getattr');
      const removeContents = vi.spyOn(fs, 'removeContents');
      await fs.promises.rm('/t', { recursive: true });
      expect(unlink).not.toHaveBeenCalled();
      expect(removeContents).toHaveBeenCalledTimes(1);
      // The walk to /t (twice: lstat, then rmdir's parent) and its own lookup, not one per entry.
      expect(lookup.mock.calls.length).toBeLessThan(10);
      expect(getattr.mock.calls.length).toBeLessThan(20);
      expect(await fs.promises.readdir('/')).toEqual(['lost+found']);
      const after = await fs.statfs();
      expect({ bfree: after.bfree, ffree: after.ffree }).toEqual({ bfree: before.bfree, ffree: before.ffree });
      await fs.unmount();
      expect(await problemsOf(device.bytes.slice())).toEqual([]);
    });
  }

  it('a sync landing part-way through the removal writes a consistent image with some entries gone (EXT2.md 6.2)', async () => {
    const device = await freshDevice(1024);
    const fs = await mount(device, { readOnly: false });
    const total = await buildTree(fs, 6, 30);
    await fs.promises.writeFile('/anchor', 'fsync target');
    // Evict the cached directory and table blocks: the removal then awaits reads between directories.
    await fs.unmount();
    const again = await mount(device, { readOnly: false });
    const removeContents = vi.spyOn(again, 'removeContents');
    const handle = await again.promises.open('/anchor', 'r+');
    const snapshots: Uint8Array[] = [];
    let done = false;
    const removal = again.promises.rm('/t', { recursive: true }).finally(() => {
      done = true;
    });
    while (!done) {
      // Snapshot in the resolution callback: nothing runs between the sync's last write and the copy.
      await handle.sync().then(() => snapshots.push(device.bytes.slice()));
    }
    await removal;
    await handle.close();
    await again.unmount();
    expect(removeContents).toHaveBeenCalledTimes(1);
    const partial: number[] = [];
    for (const [i, snapshot] of snapshots.entries()) {
      expect({ snapshot: i, problems: await problemsOf(snapshot, true) }).toEqual({ snapshot: i, problems: [] });
      const left = await pathsIn(snapshot);
      if (left !== undefined && left.length > 0 && left.length < total - 1) partial.push(left.length);
    }
    expect(partial.length).toBeGreaterThan(0);
    expect(await problemsOf(device.bytes.slice())).toEqual([]);
    expect(await pathsIn(device.bytes.slice())).toBeUndefined();
  }, 60_000);

  it('a file removed while open stays readable until closed, then its inode and blocks are freed', async () => {
    const device = await freshDevice(4096);
    const fs = await mount(device, { readOnly: false });
    const before = await fs.statfs();
    await buildTree(fs, 2, 10);
    const handle = await fs.promises.open('/t/d1/f3', 'r');
    await fs.promises.rm('/t', { recursive: true });
    expect(await fs.promises.readdir('/')).toEqual(['lost+found']);
    const buffer = new Uint8Array(64);
    const { bytesRead } = await handle.read(buffer, 0, 64, 0);
    expect(new TextDecoder().decode(buffer.subarray(0, bytesRead))).toBe('file 1/3\n');
    expect((await fs.statfs()).ffree).toBe(before.ffree - 1);
    await handle.close();
    expect((await fs.statfs()).ffree).toBe(before.ffree);
    await fs.unmount();
    expect(await problemsOf(device.bytes.slice())).toEqual([]);
  });

  it('a read error part-way is the per-entry path’s error, the filesystem stays consistent, and a second rm finishes', async () => {
    const outcomes: unknown[] = [];
    for (const batched of [true, false]) {
      const memory = await freshDevice(4096);
      const fs = await mount(memory, { readOnly: false });
      await buildTree(fs, 4, 20);
      const [extent] = (await fs.fiemap(await fs.inodeAt('/t/d2'), { start: 0, length: 4096 })).extents;
      await fs.unmount();
      if (extent === undefined) throw new Error('/t/d2 has no block');
      const device = new FaultDevice(memory);
      const victim = await mount(device, { readOnly: false });
      if (!batched) Object.defineProperty(victim, 'removeContents', { value: undefined });
      const rule = device.addRule({ kind: 'error', ops: ['read'], range: { pos: extent.physical, length: 4096 } });
      const error = await victim.promises.rm('/t', { recursive: true }).then(
        () => undefined,
        (err: unknown) => err,
      );
      const left = await walk(victim, '/t').catch((): string[] => []);
      rule.remove();
      await victim.sync();
      expect(await problemsOf(memory.bytes.slice(), true)).toEqual([]);
      await victim.promises.rm('/t', { recursive: true });
      await victim.unmount();
      expect(await problemsOf(memory.bytes.slice())).toEqual([]);
      const { code, syscall, path } = error as { code?: string; syscall?: string; path?: string };
      outcomes.push({ code, syscall, path, gone: ['/t/d0', '/t/d1'].filter((p) => !left.includes(p)) });
    }
    expect(outcomes[0]).toMatchObject({ code: 'EIO', gone: ['/t/d0', '/t/d1'] });
    expect(outcomes[0]).toEqual(outcomes[1]);
  });
});
