// Where each cp source goes, with cp's rules: into DST/NAME when DST is an
// existing directory (or several sources are given), else onto DST itself.
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { FsError } from '@iomap/core';
import type { Address } from '../address/image-address.js';
import type { ImagePool } from '../address/open-image.js';
import type { CliContext } from '../cli/cli-context.js';

/** What is at the destination operand. */
export type DestinationState = 'directory' | 'other' | 'missing';

/** Whether the destination exists and is a directory (host or image). */
export async function destinationState(ctx: CliContext, pool: ImagePool, dst: Address): Promise<DestinationState> {
  try {
    if (dst.kind === 'host') return (await stat(resolve(ctx.io.cwd, dst.path))).isDirectory() ? 'directory' : 'other';
    const { fs } = await pool.mount(dst, true);
    return (await fs.promises.stat(dst.path)).isDirectory() ? 'directory' : 'other';
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return 'missing';
    throw err;
  }
}

/** The last path component of a source (the name it gets inside a destination directory); '' for an image root. */
export function sourceName(src: Address): string {
  if (src.kind === 'image') return src.path.split('/').filter((p) => p !== '').at(-1) ?? '';
  return basename(src.path);
}

/** Joins a destination directory and a name (host or image syntax alike). */
export function intoDirectory(dir: string, name: string): string {
  if (name === '') return dir;
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** Where one source lands. */
export function targetPath(dst: Address, state: DestinationState, src: Address, sources: number): string {
  if (state === 'directory') return intoDirectory(dst.path, sourceName(src));
  if (sources > 1) throw new FsError('ENOTDIR', `copying ${sources} sources needs an existing directory as the destination`, { syscall: 'copy', path: dst.path });
  return dst.path;
}
