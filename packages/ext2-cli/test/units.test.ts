// The small pieces: operand parsing, modes, sizes, names shown safely,
// error reports and exit codes, sparse writing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptFilesystemError, FsError, UnsupportedFeatureError } from '@iomap/core';
import { parseAddress, parseImageAddress, parseImageOperand } from '../src/address/image-address.js';
import { describeFailure, formatFailure, formatFailureJson, SubjectError } from '../src/cli/error-report.js';
import { exitCodeOf, ExitCode } from '../src/cli/exit-codes.js';
import { UsageError } from '../src/cli/usage-error.js';
import { writeSparse } from '../src/copy/sparse-writer.js';
import { displayBytes } from '../src/show/display-name.js';
import { applyModeSpec } from '../src/show/mode-parse.js';
import { majorMinor, makeDev, modeString } from '../src/show/mode-string.js';
import { parseSize } from '../src/show/sizes.js';

let cwd = '';
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'ext2-cli-units-'));
  writeFileSync(join(cwd, 'disk.img'), '');
  writeFileSync(join(cwd, 'odd:name.img'), '');
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('operands', () => {
  it('IMAGE:PATH splits at the first colon whose left part is an existing file', () => {
    expect(parseAddress('disk.img:/etc/hosts', cwd)).toEqual({ kind: 'image', image: 'disk.img', path: '/etc/hosts' });
    expect(parseAddress('disk.img:etc', cwd)).toEqual({ kind: 'image', image: 'disk.img', path: '/etc' });
    expect(parseAddress('disk.img:', cwd)).toEqual({ kind: 'image', image: 'disk.img', path: '/' });
    expect(parseAddress('odd:name.img:/a:b', cwd)).toEqual({ kind: 'image', image: 'odd:name.img', path: '/a:b' });
    expect(parseAddress('disk.img:/x:y', cwd)).toEqual({ kind: 'image', image: 'disk.img', path: '/x:y' });
  });

  it('IMAGE?offset=BYTES carries the offset; a malformed offset is a usage error', () => {
    expect(parseAddress('disk.img?offset=1048576:/etc', cwd)).toEqual({ kind: 'image', image: 'disk.img', offset: 1048576, path: '/etc' });
    expect(parseImageOperand('disk.img?offset=512', cwd)).toEqual({ kind: 'image', image: 'disk.img', offset: 512, path: '/' });
    expect(() => parseAddress('disk.img?offset=1M:/', cwd)).toThrow(UsageError);
  });

  it('anything else is a host path; verbs that need an image say what they expected', () => {
    expect(parseAddress('notes:today.txt', cwd)).toEqual({ kind: 'host', path: 'notes:today.txt' });
    expect(parseAddress('./rootfs', cwd)).toEqual({ kind: 'host', path: './rootfs' });
    expect(parseAddress('-', cwd)).toEqual({ kind: 'host', path: '-' });
    expect(() => parseImageAddress('rootfs/etc', cwd)).toThrow(/expected IMAGE:PATH.*a path without IMAGE: is a host path/);
    expect(() => parseImageAddress('missing.img:/etc', cwd)).toThrow(/'missing\.img' is not an existing image file/);
    expect(parseImageAddress('disk.img', cwd, true)).toEqual({ kind: 'image', image: 'disk.img', path: '/' });
    expect(parseImageOperand('new.img', cwd, true).image).toBe('new.img');
    expect(() => parseImageOperand('new.img', cwd)).toThrow(UsageError);
  });
});

describe('modes, sizes, names', () => {
  it('chmod modes: octal, symbolic clauses, X only for directories or executables', () => {
    expect(applyModeSpec('755', 0)).toBe(0o755);
    expect(applyModeSpec('4755', 0)).toBe(0o4755);
    expect(applyModeSpec('u+x', 0o644)).toBe(0o744);
    expect(applyModeSpec('go-rwx', 0o755)).toBe(0o700);
    expect(applyModeSpec('a=r,u+w', 0o777)).toBe(0o644);
    expect(applyModeSpec('+t', 0o777)).toBe(0o1777);
    expect(applyModeSpec('u+s', 0o755)).toBe(0o4755);
    expect(applyModeSpec('a+X', 0o644)).toBe(0o644);
    expect(applyModeSpec('a+X', 0o644, true)).toBe(0o755);
    expect(applyModeSpec('a+X', 0o744)).toBe(0o755);
    expect(() => applyModeSpec('rwx', 0)).toThrow(UsageError);
    expect(() => applyModeSpec('8', 0)).toThrow(UsageError);
  });

  it('ls -l mode strings, with special bits', () => {
    expect(modeString(0o40755)).toBe('drwxr-xr-x');
    expect(modeString(0o104755)).toBe('-rwsr-xr-x');
    expect(modeString(0o102644)).toBe('-rw-r-Sr--');
    expect(modeString(0o41777)).toBe('drwxrwxrwt');
    expect(modeString(0o120777)).toBe('lrwxrwxrwx');
    expect(modeString(0o20600)).toBe('crw-------');
  });

  it("device numbers round-trip through Linux's encoding", () => {
    for (const [major, minor] of [[4, 5], [8, 0], [259, 3], [4095, 1048575]] as const) expect(majorMinor(makeDev(major, minor))).toEqual({ major, minor });
    expect(makeDev(4, 5)).toBe(0x405);
  });

  it('sizes with K/M/G/T suffixes as powers of 1024', () => {
    expect(parseSize('4096', 's')).toBe(4096);
    expect(parseSize('64M', 's')).toBe(64 << 20);
    expect(parseSize('1g', 's')).toBe(1 << 30);
    expect(parseSize('2KiB', 's')).toBe(2048);
    expect(() => parseSize('12.5M', 's')).toThrow(UsageError);
    expect(() => parseSize('lots', '--size')).toThrow(/--size: 'lots' is not a size/);
  });

  it('names are shown with control bytes and invalid UTF-8 escaped', () => {
    expect(displayBytes(new TextEncoder().encode('plain-名前'))).toBe('plain-名前');
    expect(displayBytes(Uint8Array.of(0x61, 0x1b, 0x5b, 0x32, 0x4a))).toBe('a\\x1b[2J');
    expect(displayBytes(Uint8Array.of(0x61, 0xff, 0x00, 0x5c))).toBe('a\\xff\\x00\\\\');
  });
});

describe('error reports and exit codes', () => {
  it('map usage, corruption, unsupported features and everything else to 2, 4, 3, 1', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(ExitCode.Usage);
    expect(exitCodeOf(new CorruptFilesystemError({ structure: 'inode 12' }, 'bad'))).toBe(ExitCode.Corrupt);
    expect(exitCodeOf(new UnsupportedFeatureError(['extent'], 'no'))).toBe(ExitCode.Unsupported);
    expect(exitCodeOf(new FsError('ENOSPC', 'full'))).toBe(ExitCode.Failed);
    expect(exitCodeOf(Object.assign(new Error('host'), { code: 'EACCES' }))).toBe(ExitCode.Failed);
  });

  it('one line naming verb, image, path and the cause with its code; JSON with the same facts', () => {
    const err = new SubjectError({ image: 'disk.img', path: '/etc/x' }, new FsError('ENOENT', 'no such file or directory\nsecond line', { syscall: 'open', path: '/etc/x' }));
    const report = describeFailure('cat', err);
    expect(formatFailure(report)).toBe("ext2-lite cat: disk.img:/etc/x: ENOENT: no such file or directory second line, open '/etc/x'");
    expect(JSON.parse(formatFailureJson(report))).toEqual({ error: { verb: 'cat', image: 'disk.img', path: '/etc/x', code: 'ENOENT', message: "ENOENT: no such file or directory second line, open '/etc/x'", exitCode: 1 } });
    expect(formatFailure(describeFailure('ls', new Error('plain')))).toBe('ext2-lite ls: EIO: plain');
  });
});

describe('sparse writing', () => {
  it('writes only runs of non-zero blocks and sets the size last (a zero tail costs nothing)', async () => {
    const writes: [number, number][] = [];
    let size = -1;
    const data = new Uint8Array(10 * 4096);
    data.fill(1, 0, 100);
    data.fill(2, 3 * 4096, 5 * 4096 + 1);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield data.subarray(0, 6 * 4096);
      yield data.subarray(6 * 4096);
    }
    const total = await writeSparse(chunks(), { write: async (bytes, pos) => void writes.push([pos, bytes.length]), setSize: async (s) => void (size = s) }, 4096);
    expect(total).toBe(10 * 4096);
    expect(size).toBe(10 * 4096);
    let untouched = -1;
    await writeSparse((async function* () { yield data.subarray(0, 4096); })(), { write: async () => undefined, setSize: async (s) => void (untouched = s) }, 4096);
    expect(untouched).toBe(-1);
    expect(writes).toEqual([
      [0, 4096],
      [3 * 4096, 3 * 4096],
    ]);
  });
  it('finds data anywhere in a block, in an array of views into a larger buffer', async () => {
    // Blocks whose first and last bytes are zero are scanned whole; the chunks are views at odd offsets.
    const backing = new Uint8Array(7 + 5 * 4096);
    const chunk = backing.subarray(7);
    chunk[4096 + 2000] = 9; // block 1: zero at both ends, data inside
    chunk[3 * 4096 + 4095] = 9; // block 3: data in its last byte only
    const writes: [number, number, number][] = [];
    let size = -1;
    const total = await writeSparse([chunk.subarray(0, 2 * 4096), chunk.subarray(2 * 4096)], { write: async (bytes, pos) => void writes.push([pos, bytes.length, bytes.reduce((a, b) => a + b, 0)]), setSize: async (s) => void (size = s) }, 4096);
    expect(total).toBe(5 * 4096);
    expect(writes).toEqual([
      [4096, 4096, 9],
      [3 * 4096, 4096, 9],
    ]);
    expect(size).toBe(5 * 4096);
  });
});
