// A host tree's extended attributes, for `--xattrs`. Node.js has no xattr
// calls, and the project ships no native code, so they are read the way a
// shell script would: one `getfattr` run over the whole tree (the attr
// package, on every Linux distribution), its text dump parsed here. One
// process for the tree, not one per file; the host walk then looks each
// entry up by its path below the root.
//
// The dump (`getfattr --absolute-names -R -d -m - -e base64`):
//
//   # file: /abs/root/dir/name
//   user.origin=0sZnJvbS10YXI=
//   security.capability=0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=
//   <blank line>
//
// Only objects with attributes are listed. In paths and names getfattr
// writes a backslash, and characters it must not print raw (newline,
// carriage return; '=' in names), as a backslash and three octal digits;
// every other byte is raw. Values are base64 after a "0s" prefix. (The
// format itself: show/getfattr-text.ts and show/getfattr-dump.ts.)
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { FsError } from '@iomap/core';
import { DumpSyntaxError, parseDump, type DumpSection } from '../show/getfattr-dump.js';
import { encodeValue, latin1, quoteName, quotePath } from '../show/getfattr-text.js';

/** Attributes by entry: the key is the path below the root, components joined by '/', one latin1 char per byte ('' is the root). */
export type HostXattrs = Map<string, [string, Uint8Array][]>;

/** The key {@link HostXattrs} files an entry with name components `path` under. */
export function hostXattrKey(path: readonly Uint8Array[]): string {
  return path.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length).toString('latin1')).join('/');
}

/** The root's own path and the prefix of every path below it, as getfattr prints them. */
function rootPrefixes(root: string): { self: string; below: string } {
  const self = Buffer.from(root).toString('latin1');
  return { self, below: self.endsWith('/') ? self : `${self}/` };
}

/**
 * Parses a getfattr dump of the tree at `root` (as passed to getfattr) into
 * attributes by entry. Attribute names are decoded as UTF-8, values are raw
 * bytes. EIO for a dump that does not read as getfattr's format.
 */
export function parseGetfattrDump(dump: Uint8Array, root: string): HostXattrs {
  const { self, below } = rootPrefixes(root);
  const out: HostXattrs = new Map();
  const malformed = (line: string, why: string): FsError =>
    new FsError('EIO', `getfattr printed ${JSON.stringify(line.slice(0, 80))}, ${why}`, { syscall: 'getfattr', path: root });
  let sections: DumpSection[];
  try {
    sections = parseDump(dump);
  } catch (err) {
    if (err instanceof DumpSyntaxError) throw malformed(err.text, err.message);
    throw err;
  }
  for (const { path, attributes } of sections) {
    const key = path === self ? '' : path.startsWith(below) ? path.slice(below.length) : undefined;
    if (key === undefined) throw malformed(`# file: ${path}`, `which is not below ${root}`);
    const xattrs: [string, Uint8Array][] = [];
    for (const { name, encoded } of attributes) {
      if (encoded !== '' && !encoded.startsWith('0s')) throw malformed(`${name}=${encoded}`, 'a value not in base64 (getfattr -e base64)');
      xattrs.push([Buffer.from(name, 'latin1').toString('utf8'), new Uint8Array(Buffer.from(encoded.slice(2), 'base64'))]);
    }
    out.set(key, xattrs);
  }
  return out;
}

/**
 * Runs getfattr or setfattr (package attr) to completion in the C locale.
 * ENOENT naming the package when it is not installed (`instead`: what else
 * the user can do), EIO when it cannot be started.
 */
function runAttrTool(
  tool: 'getfattr' | 'setfattr',
  args: readonly string[],
  how: { input?: Uint8Array; env?: Record<string, string | undefined>; path?: string; instead?: string },
): SpawnSyncReturns<Buffer> {
  const r = spawnSync(tool, args, { input: how.input, env: { ...(how.env ?? process.env), LC_ALL: 'C' }, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 2 ** 31 - 1 });
  if (r.error === undefined) return r;
  const context = { syscall: tool, ...(how.path === undefined ? {} : { path: how.path }) };
  if ((r.error as { code?: string }).code !== 'ENOENT') throw new FsError('EIO', `${tool} could not run: ${r.error.message}`, context);
  const what = tool === 'getfattr' ? 'reading' : 'writing';
  throw new FsError('ENOENT', `${what} host xattrs needs ${tool} (Debian/Ubuntu: apt install attr)${how.instead === undefined ? '' : `; ${how.instead}`}`, context);
}

/** Options of {@link readHostXattrs}. */
export interface ReadHostXattrsOptions {
  /** Follow symlinks, as the walk does with cp -L: a link's target's attributes, directories behind links walked. */
  dereference?: boolean;
  /** The environment getfattr runs in (its PATH finds it). */
  env?: Record<string, string | undefined>;
  /** What else the user can do when getfattr is missing, for the message. */
  instead?: string;
}

/**
 * The extended attributes of every object in the tree at absolute host path
 * `root`, read with one `getfattr` run. ENOENT when getfattr is not
 * installed; EIO with getfattr's own message when it could not read one
 * (mke2fs -d fails on such a file too).
 */
export function readHostXattrs(root: string, options: ReadHostXattrsOptions = {}): HostXattrs {
  const walk = options.dereference === true ? ['-L'] : ['-P', '-h'];
  const r = runAttrTool('getfattr', ['--absolute-names', '-R', ...walk, '-d', '-m', '-', '-e', 'base64', '--', root], {
    env: options.env,
    path: root,
    instead: options.instead,
  });
  if (r.status !== 0) {
    const said = r.stderr.toString().trim().split('\n')[0] ?? '';
    throw new FsError('EIO', `getfattr failed (exit ${r.status ?? r.signal}): ${said}`, { syscall: 'getfattr', path: root });
  }
  return parseGetfattrDump(r.stdout, root);
}

/** One object's attributes for {@link writeHostXattrs}: its host path (bytes) and (name, value) pairs. */
export interface HostXattrTarget {
  path: Uint8Array;
  xattrs: readonly (readonly [string, Uint8Array])[];
}

/** The dump `setfattr --restore` reads for `targets` (getfattr's format, quoted as getfattr quotes). */
export function formatSetfattrDump(targets: readonly HostXattrTarget[]): Buffer {
  const lines: string[] = [];
  for (const { path, xattrs } of targets) {
    if (xattrs.length === 0) continue;
    lines.push(`# file: ${quotePath(latin1(path))}`);
    for (const [name, value] of xattrs) lines.push(`${quoteName(name)}=${encodeValue(value, 'base64')}`);
    lines.push('');
  }
  return Buffer.from(lines.join('\n'), 'latin1');
}

/**
 * Sets extended attributes on host objects with one `setfattr --restore`
 * run (symlinks themselves, never their targets). Returns setfattr's
 * complaints (one line per attribute it could not set: trusted.* and
 * security.capability need root), empty when all were set; ENOENT when
 * setfattr is not installed.
 */
export function writeHostXattrs(targets: readonly HostXattrTarget[], env?: Record<string, string | undefined>): string[] {
  if (targets.every((t) => t.xattrs.length === 0)) return [];
  const r = runAttrTool('setfattr', ['-h', '--restore=-'], { input: formatSetfattrDump(targets), env });
  if (r.status === 0) return [];
  const said = r.stderr.toString().trim();
  return said === '' ? [`setfattr failed (exit ${r.status ?? r.signal})`] : said.split('\n');
}
