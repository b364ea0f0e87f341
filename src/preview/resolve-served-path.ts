import { resolve, sep } from 'node:path';

/** Where a request path leads: a file under the root, or why it is refused. */
export type ServedPath =
  | { readonly ok: true; readonly path: string; readonly segments: readonly string[] }
  | { readonly ok: false; readonly status: 400 | 403; readonly reason: string };

/**
 * Map the path of a request URL (`/a/b%20c/info.json`, query already removed) to a file path under
 * `root`. Each segment is percent-decoded on its own; a segment that does not decode, that decodes
 * to `.`/`..`, or that holds a slash, a backslash or a NUL is refused, so no request can name a
 * file outside `root`. Empty segments (`//`, a trailing `/`) are dropped.
 */
export function resolveServedPath(root: string, urlPath: string): ServedPath {
  if (!urlPath.startsWith('/')) return { ok: false, status: 400, reason: 'request path must start with /' };
  const segments: string[] = [];
  for (const raw of urlPath.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, reason: `malformed percent-encoding in "${raw}"` };
    }
    if (segment === '.' || segment === '..') {
      return { ok: false, status: 403, reason: 'relative path segments are not allowed' };
    }
    if (/[/\\\0]/.test(segment)) {
      return { ok: false, status: 403, reason: 'encoded slashes, backslashes and NUL are not allowed' };
    }
    segments.push(segment);
  }
  const base = resolve(root);
  const path = resolve(base, ...segments);
  if (path !== base && !path.startsWith(base + sep)) {
    return { ok: false, status: 403, reason: 'path leaves the served folder' };
  }
  return { ok: true, path, segments };
}

/** True when `path` is `root` or lies inside it (both absolute, already resolved). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
