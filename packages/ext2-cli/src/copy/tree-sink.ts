// Where a copied tree goes (the host, an image, stdout), and the loop that
// feeds a source into one, skipping names that cannot be created safely.
import { FsError } from '@iomap/core';
import type { CliContext } from '../cli/cli-context.js';
import { SubjectError, type Subject } from '../cli/error-report.js';
import { displayBytes } from '../show/display-name.js';
import type { Progress } from '../cli/progress.js';
import { isSyncSource, pathKey, unsafeNameReason, type TreeEntry, type TreeSource } from './tree-entry.js';

/** A destination of a tree copy. */
export interface TreeSink {
  /**
   * Creates one entry (its parent was added before, or is the destination
   * itself). A sink may finish synchronously and return nothing: a tree of
   * small files then costs no promise per entry.
   */
  add(entry: TreeEntry): Promise<void> | undefined;
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
  const copier = new EntryCopier(ctx, sink, progress);
  // A synchronous source with a sink that finishes synchronously: no await per entry.
  if (isSyncSource(source)) {
    for (const entry of source) {
      const pending = copier.copy(entry);
      if (pending !== undefined) await pending;
    }
  } else {
    for await (const entry of source) {
      const pending = copier.copy(entry);
      if (pending !== undefined) await pending;
    }
  }
  await sink.finish();
}

/** copyTree's handling of one entry: the name check, the sink, a failure's report. */
class EntryCopier {
  /** Keys of the paths skipped, whose subtrees are skipped too. */
  private readonly skipped = new Set<string>();

  constructor(
    private readonly ctx: CliContext,
    private readonly sink: TreeSink,
    private readonly progress: Progress | undefined,
  ) {}

  /** Copies `entry`; a promise only when the sink's work is asynchronous. Rejects (throws) only for a fatal error. */
  copy(entry: TreeEntry): Promise<void> | undefined {
    if (entry.path.length > 0 && this.skip(entry)) return undefined;
    let pending: Promise<void> | undefined;
    try {
      pending = this.sink.add(entry);
    } catch (cause) {
      this.failed(entry, cause);
      return undefined;
    }
    if (pending === undefined) {
      this.progress?.entryDone();
      return undefined;
    }
    return pending.then(
      () => this.progress?.entryDone(),
      (cause: unknown) => this.failed(entry, cause),
    );
  }

  /** Whether `entry` is skipped: an unsafe name (warned about), or inside a skipped directory. */
  private skip(entry: TreeEntry): boolean {
    const name = entry.path.at(-1) as Uint8Array;
    const why = unsafeNameReason(name);
    // Keys are made only once something was skipped: most copies skip nothing.
    const parentSkipped = this.skipped.size > 0 && this.skipped.has(pathKey(entry.path.slice(0, -1)));
    if (!parentSkipped && why === undefined) return false;
    this.skipped.add(pathKey(entry.path));
    if (!parentSkipped) {
      this.ctx.failures++;
      this.ctx.warn(`ext2-lite: skipped '${displayBytes(name)}' in ${this.sink.describe(entry.path.slice(0, -1))}: ${why} cannot be created safely (a crafted image?)`);
    }
    return true;
  }

  /** Reports the sink's failure to create `entry` and skips its subtree; rethrows a fatal one (or one at the root). */
  private failed(entry: TreeEntry, cause: unknown): void {
    // The subject is only worked out on failure: naming every entry up front costs more than the copy of a small file.
    const err = cause instanceof SubjectError ? cause : new SubjectError(this.sink.subject(entry.path), cause);
    if (entry.path.length === 0 || isFatal(err)) throw err;
    this.ctx.reportError(err);
    this.skipped.add(pathKey(entry.path));
  }
}

/** Errors after which the rest of a copy cannot succeed either. */
const FATAL_CODES = new Set(['EOPNOTSUPP', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO', 'EUCLEAN', 'ENOMEM']);

function isFatal(err: unknown): boolean {
  const cause = err instanceof SubjectError ? err.cause : err;
  return FATAL_CODES.has((cause as { code?: string } | null)?.code ?? '');
}

/**
 * Makes a non-directory with `create`, which fails with EEXIST when the name
 * is taken: then `clear` removes what is in the way (or throws why it may
 * not) and `create` runs again. Creating first spares the usual case, a name
 * not yet taken, a look at the destination (and the ENOENT error it builds)
 * per entry.
 */
export async function createReplacing<T>(create: () => T | Promise<T>, clear: () => void | Promise<void>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  }
  await clear();
  return create();
}

/** EEXIST for a destination that exists and may not be replaced. */
export function existsError(path: string, hint: string): FsError {
  return new FsError('EEXIST', `file already exists (${hint})`, { syscall: 'open', path });
}
