// Flush-behind (src/sync/flush-behind.ts, issue 7 write throughput): while a
// large file is written back, device flushes start in the background so that
// fsync's own flush has little left to wait for; a background flush never
// reorders anything, and its failure is reported by the next fsync. The
// image builder (mkfs -d) flushes behind its writes the same way.
import { describe, expect, it } from 'vitest';
import { FsError, MemoryBlockDevice } from '@iomap/core';
import { PassThroughDevice, patternBytes } from '@iomap/testkit';
import { ImageBuilder, mkfs, mount, type MountOptions } from '../../src/index.js';

/** Delegates to a MemoryBlockDevice and records flushes; `background` adds flushWritten. */
class CountingDevice extends PassThroughDevice<MemoryBlockDevice> {
  readonly log: string[] = [];
  flushWritten?: () => Promise<void>;
  failNextBackground = false;
  constructor(inner: MemoryBlockDevice, background: boolean) {
    super(inner);
    if (background) {
      this.flushWritten = async () => {
        this.log.push('flushWritten');
        if (this.failNextBackground) {
          this.failNextBackground = false;
          throw new FsError('EIO', 'injected fdatasync failure');
        }
        await inner.flush();
      };
    }
  }
  override async flush(): Promise<void> {
    this.log.push('flush');
    await super.flush();
  }
  count(kind: string): number {
    return this.log.filter((k) => k === kind).length;
  }
}

const MiB = 1 << 20;

async function freshDevice(background: boolean): Promise<CountingDevice> {
  const memory = new MemoryBlockDevice({ size: 64 * MiB });
  await mkfs(memory, { blockSize: 4096, inodeSize: 256 });
  return new CountingDevice(memory, background);
}

/** Mounts `device`, creates /big and writes `mib` MiB to it in 1 MiB calls; returns the mount and the file. */
async function writeBig(device: CountingDevice, mib: number, options: MountOptions) {
  const fs = await mount(device, options);
  const handle = await fs.promises.open('/big', 'w');
  const chunk = patternBytes(MiB, 7);
  for (let i = 0; i < mib; i++) await handle.write(chunk, 0, MiB, i * MiB);
  return { fs, handle };
}

describe('flush-behind (issue 7: fsync of a large file waits for little)', () => {
  it('starts background flushes with flushWritten while a large file is written back, none when turned off', async () => {
    const device = await freshDevice(true);
    const { fs, handle } = await writeBig(device, 24, { flushBehindBytes: 4 * MiB });
    // Write-behind wrote back most of the 24 MiB already; every 4 MiB of it started a flush.
    expect(device.count('flushWritten')).toBeGreaterThanOrEqual(2);
    await handle.sync();
    await handle.close();
    await fs.unmount();

    const off = await freshDevice(true);
    const second = await writeBig(off, 24, { flushBehindBytes: 0 });
    await second.handle.sync();
    expect(off.count('flushWritten')).toBe(0);
    await second.handle.close();
    await second.fs.unmount();
  });

  it('uses flush() on devices without flushWritten, and the data reads back after a remount', async () => {
    const device = await freshDevice(false);
    const { fs, handle } = await writeBig(device, 12, { flushBehindBytes: 2 * MiB });
    const beforeSync = device.count('flush');
    await handle.sync();
    await handle.close();
    await fs.unmount();
    // mount itself flushes once (markMounted); the rest before fsync are background flushes
    expect(beforeSync).toBeGreaterThanOrEqual(3);
    const again = await mount(device, { readOnly: true });
    const back = await again.promises.readFile('/big');
    expect(back.length).toBe(12 * MiB);
    expect(Buffer.compare(back.subarray(5 * MiB, 6 * MiB), patternBytes(MiB, 7))).toBe(0);
    await again.unmount();
  });

  it('fails the next fsync with the error of a failed background flush, once', async () => {
    const device = await freshDevice(true);
    device.failNextBackground = true;
    const { fs, handle } = await writeBig(device, 12, { flushBehindBytes: 2 * MiB });
    expect(device.count('flushWritten')).toBeGreaterThanOrEqual(1);
    await expect(handle.sync()).rejects.toMatchObject({ code: 'EIO' });
    await handle.sync(); // reported once, like an fdatasync error
    await handle.close();
    await fs.unmount();
  });

  it('refuses a flushBehindBytes that is not a non-negative integer (EINVAL)', async () => {
    const device = await freshDevice(true);
    await expect(mount(device, { flushBehindBytes: -1 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(mount(device, { flushBehindBytes: 1.5 })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('flush-behind of the image builder (issue 8: mkfs -d ends with a short flush)', () => {
  /** Builds 8 files of 2 MiB (16 MiB of data) on `device`; the log up to the end of the last addFile. */
  async function build(device: CountingDevice): Promise<{ builder: ImageBuilder; during: string[] }> {
    const builder = await ImageBuilder.create(device, { blockSize: 4096, assumeZeroed: true });
    for (let i = 0; i < 8; i++) await builder.addFile(builder.rootIno, `f${i}`, {}, patternBytes(2 * MiB, i + 1));
    // Let the last writes complete, as the rest of a real build would.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { builder, during: [...device.log] };
  }

  it('starts a background flush while the data is written, and the image reads back whole', async () => {
    const device = new CountingDevice(new MemoryBlockDevice({ size: 64 * MiB }), true);
    const { builder, during } = await build(device);
    expect(during.filter((k) => k === 'flushWritten').length).toBeGreaterThanOrEqual(1);
    await builder.finish();
    const fs = await mount(device, { readOnly: true });
    const back = await fs.promises.readFile('/f5');
    expect(Buffer.compare(back, patternBytes(2 * MiB, 6))).toBe(0);
    await fs.unmount();
  });

  it('fails finish with the error of a failed background flush', async () => {
    const device = new CountingDevice(new MemoryBlockDevice({ size: 64 * MiB }), true);
    device.failNextBackground = true;
    const { builder } = await build(device);
    await expect(builder.finish()).rejects.toMatchObject({ code: 'EIO', message: expect.stringContaining('injected fdatasync failure') });
  });
});
