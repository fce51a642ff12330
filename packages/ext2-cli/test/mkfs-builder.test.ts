// mkfs -d through ImageBuilder: what the one-pass build adds to the mkfs
// suite — a tree that does not fit is one clear ENOSPC error (exit 1), for
// one large streamed file and for many small ones added without waiting; the
// --json result reports the free counts of the filled filesystem (as
// dumpe2fs reads them), --verbose reports the copy time apart from start-up,
// a tree of many files in many directories is e2fsck clean, and an archive
// listing a path twice ends with the later entry (as tar extracts it).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import tar from 'tar-stream';
import { patternBytes } from '@iomap/testkit';
import { runInProcess } from './support/run-cli.js';
import { needTools, run } from './support/tools.js';

const { tools, describe } = needTools('ext2-lite mkfs -d (builder)', ['e2fsck', 'dumpe2fs'] as const);

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ext2-cli-builder-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('mkfs -d with the image builder', () => {
  it('a tree larger than the filesystem: exit 1, one ENOSPC line naming the image', async () => {
    const src = join(dir, 'too-big');
    mkdirSync(src);
    writeFileSync(join(src, 'big'), patternBytes(3 << 20, 1));
    const r = await runInProcess(['mkfs', join(dir, 'small.img'), '-s', '2M', '-d', src]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/small\.img.*ENOSPC.*does not fit/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('many small files that do not fit (each read whole, added without waiting): exit 1, one ENOSPC line', async () => {
    const src = join(dir, 'many-small');
    mkdirSync(src);
    for (let i = 0; i < 700; i++) writeFileSync(join(src, `f${i}`), patternBytes(4096, i + 1));
    const r = await runInProcess(['mkfs', join(dir, 'small2.img'), '-s', '2M', '-d', src]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/small2\.img.*ENOSPC/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an archive listing a path twice: the later entry wins, the earlier one leaves nothing behind (e2fsck -fn clean)', async () => {
    const archive = join(dir, 'twice.tar');
    const pack = tar.pack();
    pack.entry({ name: 'etc/motd', mode: 0o644 }, Buffer.from(patternBytes(300_000, 1)));
    pack.entry({ name: 'etc/motd-link', type: 'symlink', linkname: 'x'.repeat(300) });
    pack.entry({ name: 'etc', type: 'directory', mode: 0o750 });
    pack.entry({ name: 'etc/motd', mode: 0o600 }, 'second\n');
    pack.entry({ name: 'etc/motd-link', type: 'symlink', linkname: 'motd' });
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk);
    writeFileSync(archive, Buffer.concat(chunks));
    const image = join(dir, 'twice.img');
    const r = await runInProcess(['mkfs', image, '-s', '4M', '-d', archive]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    run(tools.e2fsck, ['-fn', image]);
    expect((await runInProcess(['cat', `${image}:/etc/motd-link`])).out).toBe('second\n');
    const st = JSON.parse((await runInProcess(['stat', '--json', `${image}:/etc`])).out) as { mode: string };
    expect(st.mode).toBe('0750');
  });

  it('600 files in 30 directories: e2fsck -fn clean; --json free counts are the filled ones dumpe2fs reads; --verbose times the copy', async () => {
    const src = join(dir, 'many');
    for (let d = 0; d < 30; d++) {
      mkdirSync(join(src, `d${d}`), { recursive: true });
      for (let f = 0; f < 20; f++) writeFileSync(join(src, `d${d}`, `f${f}`), patternBytes(100 + d * 20 + f, d * 100 + f + 1));
    }
    const image = join(dir, 'many.img');
    const r = await runInProcess(['--json', '--verbose', 'mkfs', image, '-s', '16M', '-d', src]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^mkfs -d: 631 entries in [\d.]+ s \(\d+ entries\/s\), format included$/m);
    const result = JSON.parse(r.out) as { freeBlocks: number; freeInodes: number };
    run(tools.e2fsck, ['-fn', image]);
    const header = run(tools.dumpe2fs, ['-h', image]);
    expect(Number(/^Free blocks:\s+(\d+)/m.exec(header)?.[1])).toBe(result.freeBlocks);
    expect(Number(/^Free inodes:\s+(\d+)/m.exec(header)?.[1])).toBe(result.freeInodes);
  });
});
