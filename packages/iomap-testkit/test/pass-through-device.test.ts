// PassThroughDevice forwards every call unchanged, so a subclass that
// overrides one call sees exactly what went to the device beneath.
import { describe, expect, it } from 'vitest';
import { MemoryBlockDevice, type BlockDevice } from '@iomap/core';
import { PassThroughDevice, patternBytes } from '../src/index.js';

class FlushCounter extends PassThroughDevice {
  flushes = 0;
  override flush(): Promise<void> {
    this.flushes++;
    return super.flush();
  }
}

describe('PassThroughDevice', () => {
  it('forwards geometry, reads, writes, vectored I/O, flush, discard and close to the inner device', async () => {
    const inner = new MemoryBlockDevice({ size: 64 * 1024, logicalBlockSize: 512 });
    const device = new FlushCounter(inner);
    expect([device.size, device.logicalBlockSize, device.readOnly]).toEqual([inner.size, 512, false]);
    const data = patternBytes(4096, 3);
    await device.write(4096, data);
    await device.writev(8192, [data.subarray(0, 1024), data.subarray(1024, 2048)]);
    expect(inner.bytes.subarray(4096, 8192)).toEqual(data);
    expect(inner.bytes.subarray(8192, 10240)).toEqual(data.subarray(0, 2048));
    const back = new Uint8Array(4096);
    await device.read(4096, back);
    expect(back).toEqual(data);
    const [a, b] = [new Uint8Array(512), new Uint8Array(512)];
    await device.readv(8192, [a, b]);
    expect([...a, ...b]).toEqual([...data.subarray(0, 1024)]);
    await device.flush();
    expect(device.flushes).toBe(1);
    await device.discard?.(4096, 4096);
    expect(inner.bytes.subarray(4096, 8192).every((x) => x === 0)).toBe(true);
    await device.close();
    await expect(inner.read(0, new Uint8Array(512))).rejects.toThrow();
  });

  it('offers discard only when the inner device has it', () => {
    const inner = new MemoryBlockDevice({ size: 4096 });
    const noDiscard: BlockDevice = { ...inner, size: inner.size, logicalBlockSize: 512, readOnly: false, read: (p, b) => inner.read(p, b), readv: (p, b) => inner.readv(p, b), write: (p, d) => inner.write(p, d), writev: (p, b) => inner.writev(p, b), flush: () => inner.flush(), close: () => inner.close(), discard: undefined };
    expect(new PassThroughDevice(noDiscard).discard).toBeUndefined();
    expect(typeof new PassThroughDevice(inner).discard).toBe('function');
  });
});
