// mount(): options, feature policy (EXT2.md 1.3), bad superblocks, the
// read-only guarantee and the mount lifecycle, on images made by mke2fs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptFilesystemError, FsError, MemoryBlockDevice, UnsupportedFeatureError } from '@iomap/core';
import { mount } from '../../src/index.js';
import { haveE2fsprogs, mkfs, pattern, readOnlyDevice, scratchDir } from './images.js';

const suite = haveE2fsprogs('ext2-lite mount tests') ? describe : describe.skip;

suite('mount', () => {
  let image = new Uint8Array(0);
  let cleanup = (): void => {};
  beforeAll(() => {
    const s = scratchDir('ext2-mount-');
    cleanup = s.cleanup;
    const tree = join(s.dir, 'tree');
    mkdirSync(join(tree, 'dir'), { recursive: true });
    writeFileSync(join(tree, 'dir', 'file'), pattern(50_000, 7));
    image = new Uint8Array(readFileSync(mkfs(join(s.dir, 'a.img'), ['-b', '1024', '-d', tree], '4M')));
  });
  afterAll(() => cleanup());

  /** A copy of the image with `patch` applied to its bytes. */
  const patched = (patch: (view: DataView) => void): Uint8Array => {
    const copy = image.slice();
    patch(new DataView(copy.buffer));
    return copy;
  };

  it('mounts writable by default, and refuses a writable mount of a read-only device with EROFS', async () => {
    const writable = await mount(new MemoryBlockDevice({ buffer: image.slice().buffer }));
    expect(writable.readOnly).toBe(false);
    await writable.unmount();
    const roDevice = new MemoryBlockDevice({ buffer: image.slice().buffer, readOnly: true });
    await expect(mount(roDevice)).rejects.toMatchObject({ code: 'EROFS', message: expect.stringContaining('readOnly: true') });
    await expect(mount(roDevice, { readOnly: false })).rejects.toMatchObject({ code: 'EROFS' });
  });

  it('refuses direct together with dax, and dax on a device without directAccess', async () => {
    await expect(mount(readOnlyDevice(image), { readOnly: true, direct: true, dax: true })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(mount(readOnlyDevice(image), { readOnly: true, dax: true })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('refuses DAX on 1 KiB blocks (block size must equal the page size)', async () => {
    const dev = new MemoryBlockDevice({ buffer: image.slice().buffer });
    await expect(mount(dev, { readOnly: true, dax: true })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('refuses incompatible features with UnsupportedFeatureError naming them', async () => {
    const flexBg = patched((v) => v.setUint32(1024 + 0x60, v.getUint32(1024 + 0x60, true) | 0x200, true));
    const err = await mount(readOnlyDevice(flexBg), { readOnly: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedFeatureError);
    expect((err as UnsupportedFeatureError).features).toEqual(['flex_bg']);
  });

  it('refuses needs_recovery even read-only, pointing at journal replay', async () => {
    const recovery = patched((v) => v.setUint32(1024 + 0x60, v.getUint32(1024 + 0x60, true) | 0x4, true));
    await expect(mount(readOnlyDevice(recovery), { readOnly: true })).rejects.toThrow(/needs_recovery.*replay/);
  });

  it('mounts an unknown ro_compat feature read-only and reports why', async () => {
    const roCompat = patched((v) => v.setUint32(1024 + 0x64, v.getUint32(1024 + 0x64, true) | 0x20, true));
    await using fs = await mount(readOnlyDevice(roCompat), { readOnly: true });
    expect(fs.info.readOnlyReasons.join()).toContain('dir_nlink');
    expect((await fs.promises.readFile('/dir/file')).length).toBe(50_000);
  });

  it('fails with EUCLEAN on a bad magic, a truncated device or a tiny device', async () => {
    const badMagic = patched((v) => v.setUint16(1024 + 0x38, 0x1234, true));
    await expect(mount(readOnlyDevice(badMagic), { readOnly: true })).rejects.toBeInstanceOf(CorruptFilesystemError);
    await expect(mount(readOnlyDevice(image.slice(0, image.length / 2)), { readOnly: true })).rejects.toThrow(/exceeds the device/);
    await expect(mount(readOnlyDevice(image.slice(0, 1500)), { readOnly: true })).rejects.toMatchObject({ code: 'EUCLEAN' });
  });

  it('writes nothing while mounting, reading everything and unmounting', async () => {
    const device = readOnlyDevice(image);
    const fs = await mount(device, { readOnly: true });
    await fs.promises.readdir('/', { recursive: true });
    expect(Buffer.from(await fs.promises.readFile('/dir/file')).equals(Buffer.from(pattern(50_000, 7)))).toBe(true);
    await fs.statfs();
    await fs.sync();
    await fs.unmount();
    expect(device.counters.writes).toBe(0);
    expect(device.counters.discards).toBe(0);
    expect(device.counters.flushes).toBe(0);
    device.assertNoViolations();
  });

  it('answers EROFS for writes through .promises and through the iomap ops', async () => {
    await using fs = await mount(readOnlyDevice(image), { readOnly: true });
    await expect(fs.promises.open('/dir/file', 'r+')).rejects.toMatchObject({ code: 'EROFS' });
    await expect(fs.promises.access('/dir/file', fs.promises.constants.W_OK)).rejects.toMatchObject({ code: 'EROFS' });
    const inode = await fs.inodeAt('/dir/file');
    expect(inode).toBeDefined();
  });

  it('reports statfs numbers from the descriptors', async () => {
    await using fs = await mount(readOnlyDevice(image), { readOnly: true });
    const st = await fs.statfs();
    expect(st).toMatchObject({ type: 0xef53, bsize: 1024, files: 1024, nameMax: 255 });
    expect(st.bfree).toBeGreaterThan(0);
    expect(st.blocks).toBeLessThan(4096);
    expect((await fs.promises.statfs('/')).bsize).toBe(1024);
  });

  it('fails operations after unmount with EIO, and await using unmounts', async () => {
    let escaped: Awaited<ReturnType<typeof mount>> | undefined;
    {
      await using fs = await mount(readOnlyDevice(image), { readOnly: true });
      escaped = fs;
      expect((await fs.promises.stat('/dir')).isDirectory()).toBe(true);
    }
    await expect(escaped.promises.readFile('/dir/file')).rejects.toBeInstanceOf(FsError);
  });
});
