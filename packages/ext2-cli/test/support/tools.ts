// Finding the oracles (e2fsprogs, sfdisk, sgdisk, the kernel's loop mount)
// and the CI rule: a missing tool skips a suite locally with the reason, and
// fails loudly when process.env.CI is set.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Full path of `name` on PATH or in the sbin directories, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), ...SBIN_DIRS]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Paths of the named tools; `describe` or `describe.skip` when one is missing (an error in CI). */
export function needTools<const T extends readonly string[]>(suite: string, names: T): { tools: Record<T[number], string>; describe: typeof describe } {
  const tools = {} as Record<T[number], string>;
  const missing: string[] = [];
  for (const name of names) {
    const p = findTool(name);
    if (p === undefined) missing.push(name);
    else tools[name as T[number]] = p;
  }
  if (missing.length === 0) return { tools, describe };
  const why = `${missing.join(', ')} not found (Debian: e2fsprogs, fdisk, gdisk, mount, attr, acl)`;
  if (process.env.CI) throw new Error(`${suite}: ${why}; CI must install them`);
  console.warn(`skipping ${suite}: ${why}`);
  return { tools, describe: describe.skip as typeof describe };
}

/** Why kernel loop mounts cannot run here, or undefined when they can. */
export function loopMountUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (loop mounts need root)';
  for (const tool of ['mount', 'umount', 'losetup']) if (findTool(tool) === undefined) return `${tool} not found`;
  if (spawnSync(findTool('losetup') as string, ['-f'], { stdio: 'pipe' }).status !== 0) return 'no free loop device';
  return undefined;
}

/** Runs a tool; throws with its output on a non-zero exit. */
export function run(tool: string, args: readonly string[], input?: string | Buffer): string {
  const r = spawnSync(tool, args, { input: typeof input === 'string' ? Buffer.from(input) : input, encoding: 'buffer', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout.toString()}\n${r.stderr.toString()}`);
  return r.stdout.toString();
}
