import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { naturalCompare } from '../plan/natural-compare.js';

/** A collection or manifest found under the served folder. */
export interface PublishedDocument {
  /** Path on the preview server, percent-encoded per segment: `/demo/Box1/collection.json`. */
  readonly path: string;
  readonly kind: 'collection' | 'manifest';
  /** The document's own `id` (`@id` for Presentation 2.1), or `undefined` when unreadable. */
  readonly id: string | undefined;
  /** A label to show: the document's label, or its path when it has none. */
  readonly label: string;
  /** Why the document could not be read, when it could not. */
  readonly error?: string;
}

export interface FindLimits {
  /** Most folders visited (default 20,000). */
  readonly maxFolders?: number;
  /** Most documents returned (default 500). */
  readonly maxDocuments?: number;
  /** Largest document read for its label, in bytes (default 8 MiB). */
  readonly maxDocumentBytes?: number;
}

export interface FoundDocuments {
  readonly collections: readonly PublishedDocument[];
  readonly manifests: readonly PublishedDocument[];
  /** True when a limit stopped the walk before it saw everything. */
  readonly truncated: boolean;
}

const SKIPPED_FOLDERS = new Set(['node_modules', '_iiif-batch']);

/**
 * Walk `root` breadth-first for `collection.json` and `manifest.json` files, reading each for its
 * `id` and label. Folders of image services (those holding an `info.json`) are not entered, nor are
 * hidden folders, `node_modules` and the run records (`_iiif-batch`), so a tree of millions of tiles
 * is walked in a few folder reads per item.
 */
export async function findPublishedDocuments(root: string, limits: FindLimits = {}): Promise<FoundDocuments> {
  const maxFolders = limits.maxFolders ?? 20_000;
  const maxDocuments = limits.maxDocuments ?? 500;
  const maxBytes = limits.maxDocumentBytes ?? 8 * 1024 * 1024;
  const found: PublishedDocument[] = [];
  let truncated = false;
  let visited = 0;
  const queue: string[][] = [[]];
  while (queue.length > 0) {
    const segments = queue.shift() ?? [];
    if (visited >= maxFolders) {
      truncated = true;
      break;
    }
    visited += 1;
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, ...segments), { withFileTypes: true });
    } catch {
      continue;
    }
    const names = new Set(entries.map((entry) => entry.name));
    if (names.has('info.json') && segments.length > 0) continue;
    for (const kind of ['collection', 'manifest'] as const) {
      if (!names.has(`${kind}.json`)) continue;
      if (found.length >= maxDocuments) {
        truncated = true;
        break;
      }
      found.push(await describeDocument(root, [...segments, `${kind}.json`], kind, maxBytes));
    }
    const folders = entries
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !SKIPPED_FOLDERS.has(entry.name))
      .map((entry) => entry.name)
      .sort(naturalCompare);
    for (const folder of folders) queue.push([...segments, folder]);
  }
  const byPath = (a: PublishedDocument, b: PublishedDocument): number => naturalCompare(a.path, b.path);
  return {
    collections: found.filter((document) => document.kind === 'collection').sort(byPath),
    manifests: found.filter((document) => document.kind === 'manifest').sort(byPath),
    truncated,
  };
}

async function describeDocument(
  root: string,
  segments: readonly string[],
  kind: 'collection' | 'manifest',
  maxBytes: number,
): Promise<PublishedDocument> {
  const path = `/${segments.map(encodeURIComponent).join('/')}`;
  const file = join(root, ...segments);
  try {
    const info = await stat(file);
    if (info.size > maxBytes) {
      return { path, kind, id: undefined, label: path, error: `larger than ${maxBytes} bytes; not read` };
    }
    const json: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof json !== 'object' || json === null) {
      return { path, kind, id: undefined, label: path, error: 'not a JSON object' };
    }
    const record = json as Record<string, unknown>;
    const id = typeof record['id'] === 'string' ? record['id'] : record['@id'];
    return { path, kind, id: typeof id === 'string' ? id : undefined, label: labelOf(record['label']) ?? path };
  } catch (error) {
    return { path, kind, id: undefined, label: path, error: (error as Error).message };
  }
}

/** The text of a Presentation 3 language map, a 2.1 string, or a 2.1 `{@value}` list. */
export function labelOf(label: unknown): string | undefined {
  if (typeof label === 'string') return label;
  if (Array.isArray(label)) {
    const texts = label.map((entry) => labelOf(entry)).filter((text): text is string => text !== undefined);
    return texts.length > 0 ? texts.join('; ') : undefined;
  }
  if (typeof label === 'object' && label !== null) {
    const map = label as Record<string, unknown>;
    if (typeof map['@value'] === 'string') return map['@value'];
    const preferred = map['none'] ?? map['en'] ?? Object.values(map)[0];
    return labelOf(preferred);
  }
  return undefined;
}
