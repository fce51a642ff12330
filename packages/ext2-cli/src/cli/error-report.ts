// How a failure is told: one line on stderr naming the verb, the image, the
// path inside it and the cause with its Node-style code, e.g.
//
//   ext2-lite cat: disk.img:/etc/nope: ENOENT: no such file or directory, open '/etc/nope'
//
// or, with --json, one JSON object on stderr with the same facts.
import { exitCodeOf, type ExitCode } from './exit-codes.js';

/** What an operation was working on when it failed. */
export interface Subject {
  /** The image file (as given on the command line). */
  image?: string;
  /** The path inside the image, or a host path when there is no image. */
  path?: string;
}

/**
 * An error tagged with the image and path it concerns. Commands throw it (via
 * {@link about}) so the report can name them; the cause decides the code.
 */
export class SubjectError extends Error {
  constructor(
    readonly subject: Subject,
    override readonly cause: unknown,
  ) {
    super(messageOf(cause));
    this.name = 'SubjectError';
  }
}

/** Runs `work`; a failure is rethrown tagged with `subject` (the innermost tag wins). */
export async function about<T>(subject: Subject, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw err instanceof SubjectError ? err : new SubjectError(subject, err);
  }
}

/** The facts of one failure, as the report prints them. */
export interface FailureReport {
  verb: string;
  image?: string;
  path?: string;
  code: string;
  message: string;
  exitCode: ExitCode;
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** The report of `err` raised by `verb`. */
export function describeFailure(verb: string, err: unknown): FailureReport {
  const subject = err instanceof SubjectError ? err.subject : {};
  const cause = err instanceof SubjectError ? err.cause : err;
  const code = codeOf(cause);
  let message = messageOf(cause);
  if (!message.startsWith(`${code}:`)) message = `${code}: ${message}`;
  return { verb, ...subject, code, message, exitCode: exitCodeOf(cause) };
}

/** The one stderr line for a report (no trailing newline). */
export function formatFailure(report: FailureReport): string {
  const where = report.image === undefined ? report.path : `${report.image}:${report.path ?? '/'}`;
  return `ext2-lite ${report.verb}: ${where === undefined ? '' : `${where}: `}${report.message}`;
}

/** The --json form: `{"error": {...}}` on one line. */
export function formatFailureJson(report: FailureReport): string {
  return JSON.stringify({ error: report });
}
