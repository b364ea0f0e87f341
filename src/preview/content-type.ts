import { basename, extname } from 'node:path';

/** Media types of the files a published IIIF tree and the preview page hold. */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.json': 'application/json; charset=utf-8',
  '.jsonld': 'application/ld+json; charset=utf-8',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
};

/** IIIF documents are JSON-LD; the tiler and assembler publish them as `application/ld+json`. */
const IIIF_DOCUMENTS = new Set(['info.json', 'manifest.json', 'collection.json']);

/**
 * The `Content-Type` for a file, by name (case-insensitive extension); `application/octet-stream`
 * when unknown. `info.json`, `manifest.json` and `collection.json` are `application/ld+json`.
 */
export function contentTypeFor(path: string): string {
  if (IIIF_DOCUMENTS.has(basename(path).toLowerCase())) return 'application/ld+json; charset=utf-8';
  return BY_EXTENSION[extname(path).toLowerCase()] ?? 'application/octet-stream';
}
