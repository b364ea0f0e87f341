import type { SourceFormat } from '../run/run-records.js';

const BY_EXTENSION: Readonly<Record<string, SourceFormat>> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  tif: 'tiff',
  tiff: 'tiff',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  jp2: 'jp2',
  j2k: 'jp2',
  jpf: 'jp2',
  jpx: 'jp2',
  pdf: 'pdf',
};

/**
 * The image format a key names by its extension, case-insensitively, or `undefined` for anything
 * else. Hidden files (`.DS_Store`, macOS `._page1.jpg` resource forks) are never images.
 */
export function sourceFormat(key: string): SourceFormat | undefined {
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  if (fileName.startsWith('.')) return undefined;
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return BY_EXTENSION[fileName.slice(dot + 1).toLowerCase()];
}
