// Running e2fsprogs and parsing what it prints (dumpe2fs -h, dumpe2fs group
// lines, debugfs stat / ls -p / htree), for interop tests against ext2-lite.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Full path of `name` on PATH or in the sbin directories, or undefined. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), ...SBIN_DIRS];
  for (const dir of dirs) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export const TOOL_NAMES = ['mke2fs', 'debugfs', 'dumpe2fs', 'e2fsck'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** The tools that were found, or the names of the missing ones. */
export function locateTools(): { tools: Record<ToolName, string>; missing: string[] } {
  const tools = {} as Record<ToolName, string>;
  const missing: string[] = [];
  for (const name of TOOL_NAMES) {
    const p = findTool(name);
    if (p === undefined) missing.push(name);
    else tools[name] = p;
  }
  return { tools, missing };
}

/** Runs a tool, returns stdout; throws with stderr on a non-zero exit. */
export function run(tool: string, args: string[], input?: string): string {
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input, maxBuffer: 64 << 20 });
}

/** Runs a tool and returns its exit status without throwing. */
export function status(tool: string, args: string[]): number {
  return spawnSync(tool, args, { stdio: 'ignore' }).status ?? -1;
}

/** `dumpe2fs -h` as key -> value. */
export function parseDumpe2fsHeader(out: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([A-Za-z][^:]*):\s*(.*?)\s*$/.exec(line);
    if (m !== null) map[m[1] as string] = m[2] as string;
  }
  return map;
}

/** What dumpe2fs prints per group. */
export interface DumpedGroup {
  group: number;
  first: number;
  last: number;
  superblock?: number;
  primary: boolean;
  /** First and last block of the GDT copy in this group. */
  gdt?: [number, number];
  blockBitmap: number;
  inodeBitmap: number;
  inodeTable: [number, number];
  freeBlocks: number;
  freeInodes: number;
  directories: number;
}

const num = (s: string | undefined): number => Number(s);

/** The per-group sections of a full `dumpe2fs` run. */
export function parseDumpe2fsGroups(out: string): DumpedGroup[] {
  const groups: DumpedGroup[] = [];
  for (const section of out.split(/\n(?=Group \d+:)/).filter((s) => s.startsWith('Group '))) {
    const head = /^Group (\d+): \(Blocks (\d+)-(\d+)\)/.exec(section);
    const sb = /(Primary|Backup) superblock at (\d+)/.exec(section);
    const gdt = /Group descriptors? at (\d+)(?:-(\d+))?/.exec(section);
    const bb = /Block bitmap at (\d+)/.exec(section);
    const ib = /Inode bitmap at (\d+)/.exec(section);
    const it = /Inode table at (\d+)-(\d+)/.exec(section);
    const counts = /(\d+) free blocks?, (\d+) free inodes?, (\d+) director/.exec(section);
    if (head === null || bb === null || ib === null || it === null || counts === null) throw new Error(`cannot parse dumpe2fs section:\n${section}`);
    groups.push({
      group: num(head[1]),
      first: num(head[2]),
      last: num(head[3]),
      ...(sb === null ? {} : { superblock: num(sb[2]) }),
      primary: sb?.[1] === 'Primary',
      ...(gdt === null ? {} : { gdt: [num(gdt[1]), num(gdt[2] ?? gdt[1])] as [number, number] }),
      blockBitmap: num(bb[1]),
      inodeBitmap: num(ib[1]),
      inodeTable: [num(it[1]), num(it[2])],
      freeBlocks: num(counts[1]),
      freeInodes: num(counts[2]),
      directories: num(counts[3]),
    });
  }
  return groups;
}

/** The parts of `debugfs -R "stat <ino>"` the tests compare. */
export interface DebugfsStat {
  inode: number;
  type: string;
  mode: number;
  flags: number;
  generation: number;
  user: number;
  group: number;
  size: number;
  fileAcl: number;
  links: number;
  blockcount: number;
  /** ctime/atime/mtime/crtime as [seconds (u32), extra | undefined]. */
  times: Record<string, [number, number | undefined]>;
  extraIsize?: number;
  fastLinkDest?: string;
  /** Logical block -> physical block for data blocks. */
  data: Map<number, number>;
  /** IND/DIND/TIND pointer blocks in the order listed. */
  metadata: number[];
  /** xattr lines: name -> value size and the printed value (debugfs omits long ones). */
  xattrs: Map<string, { size: number; value?: string }>;
}

export function parseDebugfsStat(out: string): DebugfsStat {
  const get = (re: RegExp): string => {
    const m = re.exec(out);
    if (m === null) throw new Error(`debugfs stat output lacks ${re}:\n${out}`);
    return m[1] as string;
  };
  const times: DebugfsStat['times'] = {};
  for (const m of out.matchAll(/^\s*(ctime|atime|mtime|crtime|dtime): 0x([0-9a-f]+)(?::([0-9a-f]+))? --/gm)) {
    times[m[1] as string] = [parseInt(m[2] as string, 16), m[3] === undefined ? undefined : parseInt(m[3], 16)];
  }
  const data = new Map<number, number>();
  const metadata: number[] = [];
  const blocksAt = out.indexOf('\nBLOCKS:\n');
  if (blocksAt !== -1) {
    const line = out.slice(blocksAt + 9).split('\n')[0] ?? '';
    for (const part of line.split(', ').filter((p) => p !== '')) {
      const meta = /^\((T?D?IND)\):(\d+)$/.exec(part);
      if (meta !== null) {
        metadata.push(num(meta[2]));
        continue;
      }
      const m = /^\((\d+)(?:-(\d+))?\):(\d+)(?:-(\d+))?$/.exec(part);
      if (m === null) throw new Error(`cannot parse BLOCKS part ${part}`);
      const [from, to, phys] = [num(m[1]), num(m[2] ?? m[1]), num(m[3])];
      for (let l = from; l <= to; l++) data.set(l, phys + (l - from));
    }
  }
  const xattrs = new Map<string, { size: number; value?: string }>();
  const xa = out.indexOf('Extended attributes:\n');
  if (xa !== -1) {
    for (const line of out.slice(xa).split('\n').slice(1)) {
      const m = /^ {2}(\S+) \((\d+)\)(?: = (.*))?$/.exec(line);
      if (m === null) break;
      xattrs.set(m[1] as string, { size: num(m[2]), ...(m[3] === undefined ? {} : { value: m[3] }) });
    }
  }
  const extra = /Size of extra inode fields: (\d+)/.exec(out);
  const fast = /Fast link dest: "(.*)"/.exec(out);
  return {
    inode: num(get(/Inode: (\d+)/)),
    type: get(/Type: (\S+)/),
    mode: parseInt(get(/Mode:\s+(\d+)/), 8),
    flags: parseInt(get(/Flags: 0x([0-9a-f]+)/), 16),
    generation: num(get(/Generation: (\d+)/)),
    user: num(get(/User:\s+(\d+)/)),
    group: num(get(/Group:\s+(\d+)/)),
    size: num(get(/Size: (\d+)/)),
    fileAcl: num(get(/File ACL: (\d+)/)),
    links: num(get(/Links: (\d+)/)),
    blockcount: num(get(/Blockcount: (\d+)/)),
    times,
    ...(extra === null ? {} : { extraIsize: num(extra[1]) }),
    ...(fast === null ? {} : { fastLinkDest: fast[1] as string }),
    data,
    metadata,
    xattrs,
  };
}

/** One line of `debugfs -R "ls -p <dir>"`: /ino/mode/uid/gid/name/size/. */
export interface ListedEntry {
  inode: number;
  mode: number;
  name: string;
}

export function parseDebugfsLs(out: string): ListedEntry[] {
  const entries: ListedEntry[] = [];
  for (const line of out.split('\n')) {
    const m = /^\/(\d+)\/(\d+)\/\d+\/\d+\/(.*)\/\d*\/$/.exec(line);
    if (m !== null) entries.push({ inode: num(m[1]), mode: parseInt(m[2] as string, 8), name: m[3] as string });
  }
  return entries;
}
