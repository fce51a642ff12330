// Progress of long operations (cp, mkfs -d): bytes, files, rate and ETA on
// stderr, drawn by cli-progress — only when stderr is a terminal and
// --quiet is off; otherwise nothing at all is written.
import cliProgress from 'cli-progress';
import type { CliContext } from './cli-context.js';
import { humanBytes } from '../show/sizes.js';

/** What a long operation reports as it goes. */
export interface Progress {
  /** `n` more bytes were copied. */
  bytes(n: number): void;
  /** One more entry (file, directory, link, ...) was done. */
  entryDone(): void;
  /** Removes the bar. */
  stop(): void;
}

/**
 * A progress bar for an operation of `totalBytes` (0 when unknown: no ETA),
 * or undefined when progress must not be shown.
 */
export function startProgress(ctx: CliContext, label: string, totalBytes: number): Progress | undefined {
  if (!ctx.io.stderrIsTTY || ctx.options.quiet || ctx.options.json) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream: ctx.io.stderr as NodeJS.WritableStream,
      // Without a total there is no bar, percentage or ETA to show, only what was done and how fast.
      format: totalBytes > 0 ? `${label} {bar} {percentage}% | {done}/{size} | {files} files | {rate}/s | ETA {eta_formatted}` : `${label} {done} | {files} files | {rate}/s`,
      etaBuffer: 50,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let done = 0;
  let files = 0;
  const payload = (): Record<string, string | number> => ({
    done: humanBytes(done),
    size: totalBytes > 0 ? humanBytes(totalBytes) : '?',
    files,
    rate: humanBytes(Math.round(done / Math.max(0.001, (Date.now() - started) / 1000))),
  });
  bar.start(Math.max(totalBytes, 1), 0, payload());
  return {
    bytes(n) {
      done += n;
      bar.update(Math.min(done, Math.max(totalBytes, 1)), payload());
    },
    entryDone() {
      files++;
      bar.update(Math.min(done, Math.max(totalBytes, 1)), payload());
    },
    stop() {
      bar.stop();
    },
  };
}
