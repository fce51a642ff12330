// A sync that runs while namespace operations are in flight never writes one
// of them halfway (the metadata barrier, sync/metadata-barrier.ts): the image
// as it stands the moment an fsync resolves has no entry naming an unused
// inode, no link count off by one, no inode without its entry. Proven with
// check() on a snapshot of a MemoryBlockDevice taken synchronously when each
// fsync resolves, while creates, links, renames, unlinks, mkdirs and rmdirs
// keep running. The only differences tolerated are the bitmap bits of blocks
// and inode numbers freed since the sync (the contract keeps them marked
// until the metadata that freed them is durable, so they cannot be reused).
import { MemoryBlockDevice } from '@iomap/core';
import { describe, expect, it } from 'vitest';
import { check, mkfs, mount } from '../../src/index.js';
import { SeededRandom } from '@iomap/testkit';

const TOLERATED = new Set(['BLOCK_BITMAP_DIFFERENCE', 'INODE_BITMAP_DIFFERENCE']);

async function problemsOf(snapshot: Uint8Array): Promise<string[]> {
  const report = await check(MemoryBlockDevice.from(snapshot));
  return report.problems.filter((p) => p.severity === 'error' && !TOLERATED.has(p.code)).map((p) => `${p.code}: ${p.message}`);
}

describe('sync atomicity of namespace operations (EXT2.md 6.2, issue 7 durability and ordering)', () => {
  for (const blockSize of [1024, 4096] as const) {
    it(`${blockSize}-byte blocks: every fsync under concurrent namespace changes leaves a consistent image`, async () => {
      const device = new MemoryBlockDevice({ size: 16 << 20 });
      await mkfs(device, { blockSize, uuid: '3f0c3c1e-6a53-4b8e-9d1a-3d3c1b2a4f11', hashSeed: '0b4f2c9e-1d2a-4e6f-8a3b-5c6d7e8f9a0b', timestamp: 1_700_000_000 });
      const fs = await mount(device, { readOnly: false });
      const fsp = fs.promises;
      const random = new SeededRandom(blockSize);
      await fsp.mkdir('/a');
      await fsp.mkdir('/b');
      await fsp.writeFile('/anchor', 'fsync target');
      const snapshots: Uint8Array[] = [];
      for (let round = 0; round < 12; round++) {
        const ops: Promise<unknown>[] = [];
        for (let i = 0; i < 40; i++) {
          const dir = random.pick(['/a', '/b']);
          const other = dir === '/a' ? '/b' : '/a';
          const n = random.int(0, 15);
          const op = random.int(0, 7);
          const run =
            op === 0 ? fsp.writeFile(`${dir}/f${n}`, `round ${round}`)
            : op === 1 ? fsp.link(`${dir}/f${n}`, `${other}/l${n}-${round}-${i}`)
            : op === 2 ? fsp.rename(`${dir}/f${n}`, `${other}/f${n}`)
            : op === 3 ? fsp.unlink(`${dir}/f${n}`)
            : op === 4 ? fsp.mkdir(`${dir}/d${n}`)
            : op === 5 ? fsp.rmdir(`${dir}/d${n}`)
            : fsp.symlink(`f${n}`, `${dir}/s${round}-${i}`);
          ops.push(run.catch(() => undefined));
        }
        const handle = await fsp.open('/anchor', 'r+');
        // Snapshot in the resolution callback: nothing else runs between the sync's last write and the copy.
        ops.push(handle.sync().then(() => snapshots.push(device.bytes.slice())));
        await Promise.all(ops);
        await handle.close();
      }
      await fs.unmount();
      expect(snapshots).toHaveLength(12);
      for (const [i, snapshot] of snapshots.entries()) expect({ snapshot: i, problems: await problemsOf(snapshot) }).toEqual({ snapshot: i, problems: [] });
      expect(await problemsOf(device.bytes.slice())).toEqual([]);
    }, 60_000);
  }
});
