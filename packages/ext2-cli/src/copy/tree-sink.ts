// Where a copied tree goes (the host, an image, stdout), and the loop that
// feeds a source into one, skipping names that cannot be created safely.
import { FsError } from '@iomap/core';
import type { CliContext } from '../cli/cli-context.js';
import { SubjectError, type Subject } from '../cli/error-report.js';
import { displayBytes } from '../show/display-name.js';
import type { Progress } from '../cli/progress.js';
import { pathKey, unsafeNameReason, type TreeEntry, type TreeSource } from './tree-entry.js';

/** A destination of a tree copy. */
export interface TreeSink {
  /** Creates one entry (its parent was added before, or is the destination itself). */
  add(entry: TreeEntry): Promise<void>;
  /** Applies what must wait for a directory's children (its mode and times). */
  finish(): Promise<void>;
  /** How the entry at `path` is named in messages. */
  describe(path: readonly Uint8Array[]): string;
  /** The image and path an error at `path` concerns. */
  subject(path: readonly Uint8Array[]): Subject;
}

/**
 * Copies every entry of `source` into `sink`. An entry with an unsafe name
 * (empty, '.', '..', holding '/' or NUL — possible only in a crafted image)
 * is skipped with its whole subtree and a warning. An entry the sink fails
 * to create is reported, and its subtree skipped; the copy goes on with the
 * rest (like cp -r), and the verb exits 1. Errors of the source stop it.
 */
export async function copyTree(ctx: CliContext, source: TreeSource, sink: TreeSink, progress?: Progress): Promise<void> {
  const skipped = new Set<string>();
  for await (const entry of source) {
    if (entry.path.length > 0) {
      const name = entry.path.at(-1) as Uint8Array;
      const why = unsafeNameReason(name);
      // Keys are made only once something was skipped: most copies skip nothing.
      const parentSkipped = skipped.size > 0 && skipped.has(pathKey(entry.path.slice(0, -1)));
      if (parentSkipped || why !== undefined) {
        skipped.add(pathKey(entry.path));
        if (!parentSkipped) {
          ctx.failures++;
          ctx.warn(`ext2-lite: skipped '${displayBytes(name)}' in ${sink.describe(entry.path.slice(0, -1))}: ${why} cannot be created safely (a crafted image?)`);
        }
        continue;
      }
    }
    try {
      await sink.add(entry);
    } catch (cause) {
      // The subject is only worked out on failure: naming every entry up front costs more than the copy of a small file.
      const err = cause instanceof SubjectError ? cause : new SubjectError(sink.subject(entry.path), cause);
      if (entry.path.length === 0 || isFatal(err)) throw err;
      ctx.reportError(err);
      skipped.add(pathKey(entry.path));
    }
    progress?.entryDone();
  }
  await sink.finish();
}

/** Errors after which the rest of a copy cannot succeed either. */
const FATAL_CODES = new Set(['EOPNOTSUPP', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO', 'EUCLEAN', 'ENOMEM']);

function isFatal(err: unknown): boolean {
  const cause = err instanceof SubjectError ? err.cause : err;
  return FATAL_CODES.has((cause as { code?: string } | null)?.code ?? '');
}

/** EEXIST for a destination that exists and may not be replaced. */
export function existsError(path: string, hint: string): FsError {
  return new FsError('EEXIST', `file already exists (${hint})`, { syscall: 'open', path });
}
