// The uncached read paths: 1 MiB reads that cross ext2's inline indirect
// blocks are one vectored device request (the indirect block's bytes go to
// scratch), whole-file reads of never-cached small files go straight to the
// device (holes as zeros), and the checks iomapBegin makes still apply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { mount } from '../../src/index.js';
import { debugfs, haveE2fsprogs, mkfs, pattern, readOnlyDevice, scratchDir } from './images.js';

const suite = haveE2fsprogs('ext2-lite uncached read tests') ? describe : describe.skip;
const BIG = pattern(6 << 20, 21);
const HOLEY = (() => {
  const out = new Uint8Array(5 * 1024);
  out.set(pattern(1024, 22), 0);
  out.set(pattern(1024, 23), 4 * 1024);
  return out;
})();

suite('uncached reads', () => {
  let image = new Uint8Array(0);
  let cleanup = (): void => {};
  beforeAll(() => {
    const s = scratchDir('ext2-uncached-');
    cleanup = s.cleanup;
    const tree = join(s.dir, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'big'), BIG);
    writeFileSync(join(tree, 'small'), 'hello\n');
    writeFileSync(join(tree, 'flagged'), 'extents?\n');
    const fd = openSync(join(tree, 'holey'), 'w');
    writeSync(fd, HOLEY.subarray(0, 1024), 0, 1024, 0);
    writeSync(fd, HOLEY.subarray(4096), 0, 1024, 4096);
    closeSync(fd);
    const img = mkfs(join(s.dir, 'u.img'), ['-b', '1024', '-d', tree], '16M');
    debugfs(img, ['sif /flagged flags 0x80000']);
    image = new Uint8Array(readFileSync(img));
  });
  afterAll(() => cleanup());

  it('reads 1 MiB chunks across indirect blocks byte-exact, one device request per chunk', async () => {
    const device = readOnlyDevice(image);
    const fs = await mount(device, { readOnly: true });
    await using handle = await fs.promises.open('/big');
    const chunk = new Uint8Array(1 << 20);
    // With 1 KiB blocks an indirect block sits inline every 256 KiB, so every chunk crosses several.
    const readAll = async (): Promise<number> => {
      const before = device.counters.reads;
      for (let pos = 0; pos < BIG.length; pos += chunk.length) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, pos);
        expect(bytesRead).toBe(chunk.length);
        expect(Buffer.from(chunk).equals(Buffer.from(BIG.subarray(pos, pos + chunk.length))), `at ${pos}`).toBe(true);
      }
      return device.counters.reads - before;
    };
    await readAll(); // the first pass also reads the indirect blocks into the metadata cache
    expect(await readAll()).toBe(BIG.length >> 20);
    expect(device.counters.writes).toBe(0);
    device.assertNoViolations();
  });

  it('reads whole small files straight from the device, holes as zeros', async () => {
    const fs = await mount(readOnlyDevice(image), { readOnly: true });
    expect(new TextDecoder().decode(await fs.promises.readFile('/small'))).toBe('hello\n');
    expect(Buffer.from(await fs.promises.readFile('/holey')).equals(Buffer.from(HOLEY))).toBe(true);
    expect(Buffer.from(await fs.promises.readFile('/big')).equals(Buffer.from(BIG))).toBe(true);
  });

  it('refuses a small file that claims extents with EUCLEAN on the whole-file path', async () => {
    const fs = await mount(readOnlyDevice(image), { readOnly: true });
    await expect(fs.promises.readFile('/flagged')).rejects.toMatchObject({ code: 'EUCLEAN' });
  });
});
