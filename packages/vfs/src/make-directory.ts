// mkdir, plain and recursive. The plain call is Linux's mkdirat: mode bits
// limited to rwx and sticky, the umask cleared, owner and group from the
// caller (or the parent's group under a set-group-ID parent). The recursive
// call reproduces Node's own algorithm (MKDirpAsync in node_file.cc) step by
// step, because callers see its quirks: it works on the path text, climbing
// with the part before the last `/` on ENOENT; on any other failure it stats
// the path and accepts an existing directory; it resolves to the first
// directory it created (as spelled in that text) or undefined; and an error
// names the path of the step that failed.
import type { FsError } from '@iomap/core';
import { S_IFDIR, isDirectoryMode } from './file-mode.js';
import { decodeName } from './name-bytes.js';
import { CallErrors } from './node-error.js';
import { prepareCreate, requireOperation } from './name-creation.js';
import { toPathArgument, type PathLike } from './path-argument.js';
import type { VfsContext } from './vfs-context.js';
import { newInodeOwnership } from './write-permission.js';

const SLASH = 0x2f;

/**
 * mkdir(2): creates one directory with permission bits `mode` (before the
 * umask); `syscall` names the call in errors (mkdtemp uses this too).
 *
 * @example
 * ```ts
 * await makeDirectory(context, '/srv/data', 0o750);
 * ```
 */
export async function makeDirectory<I>(context: VfsContext<I>, path: PathLike, mode: number, syscall = 'mkdir'): Promise<void> {
  const errors = new CallErrors(syscall, toPathArgument(path).display);
  const mkdir = requireOperation(context.fs, 'mkdir', errors);
  const { parent, name } = await prepareCreate(context, path, errors, { makesDirectory: true });
  const owner = newInodeOwnership(parent.attributes, context.credentials, S_IFDIR, mode, context.umask, 0o1777);
  await errors.guard(() => mkdir(parent.inode, name, { ...owner, timeNs: context.now() }));
}

/** The code of a failed step, or undefined when it succeeded. */
async function codeOf(step: () => Promise<unknown>): Promise<FsError['code'] | undefined> {
  try {
    await step();
    return undefined;
  } catch (err) {
    if (err !== null && typeof err === 'object' && 'code' in err && 'syscall' in err) return (err as FsError).code;
    throw err;
  }
}

/** The text before the last `/` (the whole text when there is none), as Node's find_last_of does it. */
function beforeLastSlash(path: Uint8Array): Uint8Array {
  const at = path.lastIndexOf(SLASH);
  return at < 0 ? path : path.subarray(0, at);
}

/**
 * mkdir with `recursive: true`: creates every missing directory of `path`;
 * resolves to the first one it created, or undefined when none was missing.
 *
 * @example
 * ```ts
 * await makeDirectoryRecursive(context, '/srv/a/b', 0o777); // '/srv/a' when /srv existed
 * ```
 */
export async function makeDirectoryRecursive<I>(context: VfsContext<I>, path: PathLike, mode: number): Promise<string | undefined> {
  const pending: Uint8Array[] = [toPathArgument(path).bytes];
  let first: Uint8Array | undefined;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const current = next;
    const fail = (code: FsError['code']): FsError => new CallErrors('mkdir', decodeName(current)).fail(code);
    let code = await codeOf(() => makeDirectory(context, current, mode));
    if (code === undefined) {
      first ??= current;
      continue;
    }
    if (code === 'EACCES' || code === 'ENOSPC' || code === 'ENOTDIR' || code === 'EPERM') throw fail(code);
    if (code === 'ENOENT') {
      const parent = beforeLastSlash(current);
      if (parent.length !== current.length) {
        pending.push(current, parent);
        continue;
      }
      if (pending.length > 0) continue;
      code = 'EEXIST';
    }
    // Anything else: accept an existing directory, else report what stat found.
    let isDirectory = false;
    const statCode = await codeOf(async () => {
      isDirectory = isDirectoryMode((await context.resolve(current, 'stat')).attributes.mode);
    });
    if (code === 'EEXIST' && pending.length > 0) {
      if (statCode === undefined && isDirectory) continue;
      throw fail('ENOTDIR');
    }
    if (statCode !== undefined) throw fail(statCode);
    if (!isDirectory) throw fail('EEXIST');
    break;
  }
  return first === undefined ? undefined : decodeName(first);
}
