// htree directories (EXT2.md 4.6): indexes built by `e2fsck -fyD` (one and
// two levels, signed and unsigned hash variants) are clean for both
// check() and e2fsck -fn; a name moved out of its leaf's hash range, a broken
// count or an unreferenced block is an HTREE_INVALID error for both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImage, codes, debugfs, debugfsQuery, describe as dump, e2fsck, e2fsckRebuildDirectories, haveE2fsprogs, mkfs, scratchDir } from './support.js';

const suite = haveE2fsprogs('ext2-lite check: htree') ? describe : describe.skip;
const HASH_SEED = '3ab3a6b4-5bcf-4ac8-9e5c-0c2a1a1f6b10';
const UUID = '6f1e4a2c-8d3b-4f7a-a1c9-2b5e7d9f0c31';

/** Byte offset of the second live entry with a name longer than 3 in device block `blk`. */
function secondEntry(bytes: Uint8Array, blk: number, bs: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let seen = 0;
  for (let off = 0; off < bs; ) {
    const at = blk * bs + off;
    const recLen = view.getUint16(at + 4, true);
    if (view.getUint32(at, true) !== 0 && (bytes[at + 6] as number) > 3 && ++seen === 2) return at;
    if (recLen < 12) break;
    off += recLen;
  }
  throw new Error(`no second entry in block ${blk}`);
}

suite('check() on htree directories agrees with e2fsck -fn (EXT2.md 4.6)', () => {
  let scratch: ReturnType<typeof scratchDir>;
  const images = new Map<string, string>();

  beforeAll(() => {
    scratch = scratchDir('ext2-check-htree-');
    const tree = join(scratch.dir, 'tree');
    mkdirSync(join(tree, 'small'), { recursive: true });
    mkdirSync(join(tree, 'large'), { recursive: true });
    for (let i = 0; i < 200; i++) writeFileSync(join(tree, 'small', `name-${i}`), `${i}\n`);
    for (let i = 0; i < 2500; i++) writeFileSync(join(tree, 'large', `an-entry-with-a-rather-long-name-${i}`), '');
    // Bytes >= 0x80 hash differently with signed and unsigned chars (s_flags 0x1 / 0x2).
    for (let i = 0; i < 300; i++) writeFileSync(join(tree, 'large', `entrée-ünïcode-${i}`), '');
    for (const [name, args, flags] of [
      ['1k-signed', ['-b', '1024'], 1],
      ['4k-signed', ['-b', '4096'], 1],
      ['1k-unsigned', ['-b', '1024'], 2],
    ] as const) {
      // A fixed hash seed: the index (which leaf holds which hash range) then is the same on every run, so
      // whether an edited name leaves its leaf's range does not depend on a random seed.
      const img = mkfs(join(scratch.dir, `${name}.img`), [...args, '-E', `hash_seed=${HASH_SEED}`, '-U', UUID, '-d', tree], '24M');
      debugfs(img, [`ssv flags ${flags}`]);
      e2fsckRebuildDirectories(img);
      images.set(name, img);
    }
  }, 60_000);
  afterAll(() => scratch.cleanup());

  for (const name of ['1k-signed', '4k-signed', '1k-unsigned']) {
    it(`indexes built by e2fsck -fyD (${name}) are clean`, async () => {
      const img = images.get(name) as string;
      expect(debugfsQuery(img, 'stat large')).toMatch(/Flags: 0x1000/);
      expect(e2fsck(img).status).toBe(0);
      const { report } = await checkImage(img);
      expect(report.clean, dump(report)).toBe(true);
    });
  }

  it('the 1 KiB index of "large" has two levels (indirect_levels 1)', () => {
    expect(debugfsQuery(images.get('1k-signed') as string, 'htree large')).toMatch(/Indirect levels: 1/);
  });

  async function expectBroken(base: string, edit: (bytes: Uint8Array, bs: number, blockOf: (lblk: number) => number) => void): Promise<void> {
    const img = join(scratch.dir, 'case.img');
    copyFileSync(base, img);
    const bs = Number(/Block size:\s+(\d+)/.exec(debugfsQuery(img, 'stats'))?.[1]);
    const bytes = new Uint8Array(readFileSync(img));
    edit(bytes, bs, (lblk) => Number(debugfsQuery(img, `bmap large ${lblk}`).trim()));
    writeFileSync(img, bytes);
    const oracle = e2fsck(img);
    const { report } = await checkImage(img);
    expect(oracle.status, oracle.output).not.toBe(0);
    expect(report.clean, dump(report)).toBe(false);
    expect(codes(report)).toContain('HTREE_INVALID');
  }

  for (const lblk of [3, 20, 60]) {
    it(`a renamed entry in leaf block ${lblk} (hash outside its range) is HTREE_INVALID`, async () => {
      await expectBroken(images.get('1k-signed') as string, (bytes, bs, blockOf) => {
        const at = secondEntry(bytes, blockOf(lblk), bs);
        bytes[at + 9] = (bytes[at + 9] as number) ^ 0x20;
      });
    });
  }

  it('a dx_root count above its limit is HTREE_INVALID', async () => {
    await expectBroken(images.get('4k-signed') as string, (bytes, bs, blockOf) => {
      const at = blockOf(0) * bs + 0x22;
      bytes[at] = 0xff;
      bytes[at + 1] = 0x7f;
    });
  });

  it('an index entry pointing past the directory is HTREE_INVALID', async () => {
    await expectBroken(images.get('4k-signed') as string, (bytes, bs, blockOf) => {
      const at = blockOf(0) * bs + 0x20 + 4;
      bytes.set([0xff, 0xff, 0, 0], at);
    });
  });
});
