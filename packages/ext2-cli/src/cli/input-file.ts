// A FILE operand a verb reads whole (setfattr --restore, setfacl -M/-X/--set-file):
// '-' is the command's stdin, anything else a host path from the command's cwd.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliContext } from './cli-context.js';

/** The bytes of `file` ('-': all of stdin). */
export async function readInputFile(ctx: CliContext, file: string): Promise<Buffer> {
  if (file !== '-') return readFile(resolve(ctx.io.cwd, file));
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.io.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
