// Modes on the command line, as chmod(1) takes them: octal ("755", "0644",
// "4755") or symbolic clauses ("u+x", "go-w", "a=r,u+w", "+t"), with X
// meaning execute only for directories or files that have it for someone.
import { UsageError } from '../cli/usage-error.js';

const WHO_BITS: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };
const PERM_BITS: Record<string, number> = { r: 0o444, w: 0o222, x: 0o111, s: 0o6000, t: 0o1000 };

/**
 * The new permission bits from `spec` applied to `current` (0 for a new
 * file); `isDirectory` decides X. Throws a usage error for a malformed mode.
 */
export function applyModeSpec(spec: string, current: number, isDirectory = false): number {
  if (/^[0-7]{1,4}$/.test(spec)) return parseInt(spec, 8);
  let mode = current & 0o7777;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (m === null) throw new UsageError(`'${spec}' is not a mode (octal like 755, or symbolic like u+x,go-w)`);
    const who = m[1] === '' ? 'a' : (m[1] as string);
    const whoMask = [...who].reduce((bits, c) => bits | (WHO_BITS[c] as number), 0);
    let perms = 0;
    for (const c of m[3] as string) {
      if (c === 'X') perms |= isDirectory || (current & 0o111) !== 0 ? 0o111 : 0;
      else perms |= PERM_BITS[c] as number;
    }
    const bits = perms & whoMask;
    if (m[2] === '+') mode |= bits;
    else if (m[2] === '-') mode &= ~bits;
    else mode = (mode & ~(whoMask & 0o7777)) | bits;
  }
  return mode;
}
