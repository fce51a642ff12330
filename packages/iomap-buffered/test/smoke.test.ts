import { describe, expect, it } from 'vitest';
import { bufferedWrite } from '../src/index.js';
import { harness, pattern, readAll, sameBytes } from './support/harness.js';

describe('smoke', () => {
  for (const blockSize of [1024, 4096]) {
    it(`writes, reads back, writes back and reads from storage (bs ${blockSize})`, async () => {
      const h = await harness({ blockSize, fs: { delalloc: true } });
      const data = pattern(50_000, 1);
      expect(await bufferedWrite(h.mapping, 1000, data)).toBe(50_000);
      expect(h.mapping.size).toBe(51_000);
      expect(h.file.size).toBe(51_000);
      const back = await readAll(h.mapping, 1000, 50_000);
      expect(sameBytes(back, data)).toBe('same');
      await h.mapping.fsync(h.cursor);
      const raw = await h.fs.readRaw(h.file, 1000, 50_000);
      expect(sameBytes(raw, data)).toBe('same');
      const again = h.reopen();
      expect(sameBytes(await readAll(again, 0, 60_000), await h.fs.readRaw(h.file, 0, 60_000))).toBe('same');
      h.fs.verify();
    });
  }
});
