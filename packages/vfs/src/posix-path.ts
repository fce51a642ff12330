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
