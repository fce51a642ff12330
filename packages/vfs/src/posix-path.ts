// The two path-string helpers the adapter needs to name nested directory
// entries the way Node does (`path.posix.join`, which normalizes): Node's
// recursive readdir sets each Dirent's parentPath to join(parent, name).

/**
 * Node's `path.posix.normalize`: collapses slashes, resolves `.` and `..`
 * lexically (keeping leading `..` of relative paths), keeps a trailing slash.
 *
 * @example
 * ```ts
 * normalizePath('/a//b/../c/'); // '/a/c/'
 * ```
 */
export function normalizePath(path: string): string {
  if (path === '') return '.';
  const absolute = path.startsWith('/');
  const trailingSlash = path.endsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(segment);
  }
  let result = out.join('/');
  if (result === '' && !absolute) result = '.';
  if (result !== '' && trailingSlash) result += '/';
  return absolute ? `/${result}` : result;
}

/**
 * Node's `path.posix.join`: joins the non-empty parts with `/` and normalizes.
 *
 * @example
 * ```ts
 * joinPath('dir/', 'sub'); // 'dir/sub'
 * ```
 */
export function joinPath(...parts: string[]): string {
  const joined = parts.filter((part) => part.length > 0).join('/');
  return joined === '' ? '.' : normalizePath(joined);
}

/**
 * Node's `path.posix.dirname`.
 *
 * @example
 * ```ts
 * dirnamePath('/a/b/'); // '/a'
 * ```
 */
export function dirnamePath(path: string): string {
  if (path === '') return '.';
  const hasRoot = path.startsWith('/');
  let end = -1;
  let sawName = false;
  // Scan back over trailing slashes, then the last name, to the slash before it.
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] !== '/') sawName = true;
    else if (sawName) {
      end = i;
      break;
    }
  }
  if (end === -1) return hasRoot ? '/' : '.';
  if (hasRoot && end === 1) return '//';
  return path.slice(0, end);
}

/**
 * Node's `path.posix.resolve` with `cwd` as the working directory: the
 * absolute, normalized path, without a trailing slash.
 *
 * @example
 * ```ts
 * resolvePathText('/home/me', 'a/../b/'); // '/home/me/b'
 * ```
 */
export function resolvePathText(cwd: string, ...parts: string[]): string {
  let resolved = '';
  for (let i = parts.length - 1; i >= -1 && !resolved.startsWith('/'); i--) {
    const part = i >= 0 ? parts[i]! : cwd;
    if (part.length === 0) continue;
    resolved = resolved === '' ? part : `${part}/${resolved}`;
  }
  const normalized = normalizePath(resolved);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}
