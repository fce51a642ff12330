// Runs the @iomap/core README example as a child process (through tsx, as
// `npm run example` does) and checks the key lines of its report, so the
// README's code is proven to run. The example imports @iomap/core through
// node_modules, i.e. the package's built dist/ (nx builds it first).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const exampleFile = join(examplesDir, 'core-mapping-report.ts');
const coreReadme = join(examplesDir, '..', '..', 'packages', 'iomap-core', 'README.md');

let output = '';

beforeAll(() => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', exampleFile], {
    cwd: examplesDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0) {
    throw new Error(`the example exited with ${String(run.status)}:\n${run.stderr}\n${run.stdout}`);
  }
  output = run.stdout;
}, 60_000);

/** The report's lines, without surrounding blanks. */
function lines(): string[] {
  return output.split('\n').map((line) => line.trim());
}

describe('core-mapping-report (the @iomap/core README example)', () => {
  it('walks the sparse file one largest mapping at a time, holes included (CORE-6, CORE-7)', () => {
    expect(lines()).toEqual(
      expect.arrayContaining([
        'at     0: MAPPED [0, +8192) @ 65536 flags Merged',
        'at  8192: HOLE [8192, +8192) flags -',
        'at 16384: UNWRITTEN [16384, +8192) @ 131072 flags -',
        'at 24576: DELALLOC [24576, +4096) flags -',
        'at 28672: MAPPED [28672, +8192) @ 73728 flags Shared',
        'at 36864: HOLE [36864, +4096) flags -',
      ]),
    );
  });

  it('reports fiemap extents without holes, the last one flagged Last (CORE-17)', () => {
    const extents = lines().filter((line) => line.startsWith('logical '));
    expect(extents).toEqual([
      'logical 0 physical 65536 length 8192 flags Merged',
      'logical 16384 physical 131072 length 8192 flags Unwritten',
      'logical 24576 physical 0 length 4096 flags Unknown|Delalloc',
      'logical 28672 physical 73728 length 8192 flags Last|Shared',
    ]);
  });

  it('answers seekData/seekHole, consulting the page cache inside UNWRITTEN (CORE-19..21)', () => {
    const seeks = lines().filter((line) => /^seek(Data|Hole)\(/.test(line));
    expect(seeks.map((line) => line.replace(/\s+/g, ' '))).toEqual([
      'seekData(0) = 0',
      'seekHole(0) = 8192',
      'seekData(8192) = 20480',
      'seekHole(16384) = 16384',
      'seekHole(20480) = 36864',
      'seekData(36864) -> ENXIO',
      'seekHole(40960) -> ENXIO',
    ]);
  });

  it('maps file blocks to device blocks with bmap, 0 where not MAPPED (CORE-22)', () => {
    expect(output).toContain('bmap, file block -> device block (0 = none): 16 17 0 0 0 0 0 18 19 0');
  });

  it('reads data through an iomapProcess loop body (CORE-8, CORE-25)', () => {
    expect(output).toContain('read [0, +23): "hello from file block 0"');
    expect(output).toContain('read [28672, +27): "shared data at file block 7"');
    expect(output).toContain('read [16384, +8): 0 0 0 0 0 0 0 0 (UNWRITTEN reads as zeros)');
  });

  it('refuses a sparse file as a swapfile with EINVAL (CORE-23)', () => {
    expect(output).toMatch(/swapfileActivate -> EINVAL: swapfile has unallocated extents/);
  });

  it('is the same code as the example in packages/iomap-core/README.md', () => {
    const readme = readFileSync(coreReadme, 'utf8');
    const marker = '<!-- example: tools/examples/core-mapping-report.ts -->';
    const start = readme.indexOf(marker);
    expect(start, `README.md lacks the marker ${marker}`).toBeGreaterThanOrEqual(0);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
    expect(block?.[1]).toBe(readFileSync(exampleFile, 'utf8'));
  });
});
