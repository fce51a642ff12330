// Partition tables made by the real tools (util-linux sfdisk, GPT fdisk
// sgdisk) must read exactly as those tools report them, and a GPT whose
// primary header we corrupt must be read from its backup.
//
// Needs sfdisk (Debian package fdisk) and sgdisk (Debian package gdisk).
// Without them the tests are skipped locally and FAIL when CI is set.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { CorruptFilesystemError, MemoryBlockDevice } from '@iomap/core';
import { openPartition, readPartitionTable, type GptPartitionTable, type MbrPartitionTable } from '@iomap/blockdev';

const IMAGE_SIZE = 64 << 20;
/** sfdisk and sgdisk live in sbin, which a normal user's PATH often lacks. */
const PATH = [process.env.PATH, '/usr/sbin', '/sbin'].filter(Boolean).join(':');

const TOOLS = { sfdisk: 'fdisk', sgdisk: 'gdisk' } as const;
type Tool = keyof typeof TOOLS;

function hasTool(tool: Tool): boolean {
  return spawnSync(tool, ['--version'], { env: { ...process.env, PATH } }).status === 0;
}

const available: Record<Tool, boolean> = { sfdisk: hasTool('sfdisk'), sgdisk: hasTool('sgdisk') };

/** Skips the test (locally) or fails it (in CI) when `tool` is missing. */
function needTool(ctx: TestContext, tool: Tool): void {
  if (available[tool]) return;
  const why = `${tool} not found in PATH or /usr/sbin: install the Debian package ${TOOLS[tool]} (apt-get install ${TOOLS[tool]})`;
  if (process.env.CI) throw new Error(`interop test cannot run in CI: ${why}`);
  console.warn(`skipping: ${why}`);
  ctx.skip(why);
}

function run(tool: Tool, args: string[], input?: string): string {
  const r = spawnSync(tool, args, { input, encoding: 'utf8', env: { ...process.env, PATH, LC_ALL: 'C' } });
  if (r.status !== 0) {
    throw new Error(`${tool} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iomap-interop-partitions-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A new sparse image file of IMAGE_SIZE bytes. */
function newImage(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, '');
  truncateSync(path, IMAGE_SIZE);
  return path;
}

const loadImage = (path: string) => MemoryBlockDevice.from(readFileSync(path));

interface SfdiskJson {
  partitiontable: {
    label: string;
    id: string;
    sectorsize: number;
    firstlba?: number;
    lastlba?: number;
    partitions: { node: string; start: number; size: number; type: string; bootable?: boolean; uuid?: string; name?: string }[];
  };
}

const sfdiskJson = (path: string) => JSON.parse(run('sfdisk', ['--json', path])) as SfdiskJson;

/** What `sgdisk -i N` says about partition N. */
function sgdiskInfo(path: string, n: number) {
  const out = run('sgdisk', ['-i', String(n), path]);
  const field = (label: string) => {
    const m = new RegExp(`^${label}: (.*)$`, 'm').exec(out);
    if (!m) throw new Error(`sgdisk -i ${n} printed no "${label}":\n${out}`);
    return m[1]!;
  };
  return {
    type: field('Partition GUID code').split(' ')[0]!,
    guid: field('Partition unique GUID'),
    firstSector: Number(field('First sector').split(' ')[0]),
    lastSector: Number(field('Last sector').split(' ')[0]),
    attributes: BigInt(`0x${field('Attribute flags')}`),
    name: /^'(.*)'$/.exec(field('Partition name'))![1]!,
  };
}

describe('MBR tables made by sfdisk', () => {
  /** 1: FAT32 bootable, 2: extended holding 5 (Linux) and 6 (swap), 3: Linux — placed by sfdisk. */
  function makeMbr(name: string): string {
    const img = newImage(name);
    const script = [
      'label: dos',
      'label-id: 0x0badcafe',
      `${img}1 : size=8MiB, type=c, bootable`,
      `${img}2 : size=40MiB, type=5`,
      `${img}3 : size=8MiB, type=83`,
      `${img}5 : size=10MiB, type=83`,
      `${img}6 : size=12MiB, type=82`,
      '',
    ].join('\n');
    run('sfdisk', ['--no-reread', '--no-tell-kernel', img], script);
    return img;
  }

  it('reads primaries, the extended partition and logical partitions as sfdisk --json reports them', async (ctx) => {
    needTool(ctx, 'sfdisk');
    const img = makeMbr('mbr.img');
    const json = sfdiskJson(img).partitiontable;
    expect(json.partitions.map((p) => p.node.slice(img.length))).toEqual(['1', '2', '3', '5', '6']);

    const table = (await readPartitionTable(loadImage(img))) as MbrPartitionTable;
    expect(table.kind).toBe('mbr');
    expect(table.diskId).toBe(json.id);
    expect(table.sectorSize).toBe(json.sectorsize);
    expect(table.partitions.map((p) => ({ index: p.index, start: p.start, size: p.size, type: p.type, bootable: p.bootable }))).toEqual(
      json.partitions.map((p) => ({
        index: Number(p.node.slice(img.length)),
        start: p.start * json.sectorsize,
        size: p.size * json.sectorsize,
        type: Number.parseInt(p.type, 16),
        bootable: p.bootable ?? false,
      })),
    );
    expect(table.partitions.map((p) => p.role)).toEqual(['primary', 'extended', 'primary', 'logical', 'logical']);
  });

  it('opens logical partition 6 at the bytes sfdisk placed it', async (ctx) => {
    needTool(ctx, 'sfdisk');
    const img = makeMbr('mbr-open.img');
    const p6 = sfdiskJson(img).partitiontable.partitions.find((p) => p.node === `${img}6`)!;
    const bytes = readFileSync(img);
    bytes.set([0xca, 0xfe], p6.start * 512);
    bytes.set([0xbe, 0xef], (p6.start + p6.size) * 512 - 2);
    const part = await openPartition(MemoryBlockDevice.from(bytes), 6);
    const head = new Uint8Array(2);
    const tail = new Uint8Array(2);
    await part.read(0, head);
    await part.read(part.size - 2, tail);
    expect([...head, ...tail]).toEqual([0xca, 0xfe, 0xbe, 0xef]);
  });
});

describe('GPT tables made by sgdisk and sfdisk', () => {
  const diskGuid = '01234567-89AB-CDEF-0123-456789ABCDEF';

  function makeGpt(name: string): string {
    const img = newImage(name);
    run('sgdisk', [
      '-U', diskGuid,
      '-n', '1:2048:+8M', '-c', '1:boot', '-t', '1:ef00', '-A', '1:set:2',
      '-n', '2:0:+16M', '-c', '2:rootfs', '-t', '2:8300',
      '-n', '4:0:+4M', '-c', '4:données', '-t', '4:8200',
      img,
    ]);
    return img;
  }

  async function expectMatchesSgdisk(img: string, table: GptPartitionTable): Promise<void> {
    expect(table.kind).toBe('gpt');
    expect(table.diskId).toBe(diskGuid);
    expect(table.partitions.map((p) => p.index)).toEqual([1, 2, 4]);
    for (const p of table.partitions) {
      const info = sgdiskInfo(img, p.index);
      expect({ type: p.type, guid: p.guid, name: p.name, attributes: p.attributes, start: p.start, size: p.size }).toEqual({
        type: info.type,
        guid: info.guid,
        name: info.name,
        attributes: info.attributes,
        start: info.firstSector * 512,
        size: (info.lastSector - info.firstSector + 1) * 512,
      });
    }
    expect(table.partitions[0]!.bootable).toBe(true);
  }

  it('reads names, types, GUIDs and attributes as sgdisk -i reports them', async (ctx) => {
    needTool(ctx, 'sgdisk');
    const img = makeGpt('gpt.img');
    const table = (await readPartitionTable(loadImage(img))) as GptPartitionTable;
    await expectMatchesSgdisk(img, table);
    expect(table).toMatchObject({ header: 'primary', headerLba: 1, sectorSize: 512, problems: [] });
    if (available.sfdisk) {
      const json = sfdiskJson(img).partitiontable;
      expect([table.firstUsableLba, table.lastUsableLba]).toEqual([json.firstlba, json.lastlba]);
    }
    const root = await openPartition(loadImage(img), { label: 'rootfs' });
    expect(root.size).toBe(16 << 20);
  });

  it('uses the backup header when the primary header is corrupt, as sgdisk does', async (ctx) => {
    needTool(ctx, 'sgdisk');
    const img = makeGpt('gpt-corrupt-primary.img');
    const bytes = readFileSync(img);
    bytes[512 + 60]! ^= 0xff; // a DiskGUID byte: the header CRC no longer matches
    writeFileSync(img, bytes);
    const verify = spawnSync('sgdisk', ['-v', img], { encoding: 'utf8', env: { ...process.env, PATH, LC_ALL: 'C' } });
    expect(`${verify.stdout}${verify.stderr}`).toMatch(/Main header: ERROR[\s\S]*Backup header: OK/); // sgdisk sees it too
    const table = (await readPartitionTable(MemoryBlockDevice.from(bytes))) as GptPartitionTable;
    expect(table.header).toBe('backup');
    expect(table.headerLba).toBe(IMAGE_SIZE / 512 - 1);
    expect(table.problems[0]).toMatch(/primary GPT header at LBA 1 \(byte 512\): HeaderCRC32/);
    await expectMatchesSgdisk(img, table);
  });

  it('fails with EUCLEAN when both headers are corrupt', async (ctx) => {
    needTool(ctx, 'sgdisk');
    const img = makeGpt('gpt-corrupt-both.img');
    const bytes = readFileSync(img);
    bytes[512 + 60]! ^= 0xff;
    bytes[IMAGE_SIZE - 512 + 60]! ^= 0xff;
    const err = await readPartitionTable(MemoryBlockDevice.from(bytes)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFilesystemError);
    expect(err).toMatchObject({ code: 'EUCLEAN', structure: 'GPT (primary and backup)' });
  });

  it('reads a GPT made by sfdisk with names', async (ctx) => {
    needTool(ctx, 'sfdisk');
    const img = newImage('gpt-sfdisk.img');
    const script = [
      'label: gpt',
      `label-id: ${diskGuid}`,
      'size=8MiB, type=uefi, name="EFI system"',
      'size=20MiB, type=linux, name="root fs"',
      '',
    ].join('\n');
    run('sfdisk', ['--no-reread', '--no-tell-kernel', img], script);
    const json = sfdiskJson(img).partitiontable;
    const table = (await readPartitionTable(loadImage(img))) as GptPartitionTable;
    expect(table.diskId).toBe(json.id);
    expect(table.partitions.map((p) => ({ index: p.index, start: p.start, size: p.size, type: p.type, guid: p.guid, name: p.name }))).toEqual(
      json.partitions.map((p) => ({
        index: Number(p.node.slice(img.length)),
        start: p.start * 512,
        size: p.size * 512,
        type: p.type,
        guid: p.uuid,
        name: p.name,
      })),
    );
  });
});
