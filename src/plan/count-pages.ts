import { NotFoundError } from '../errors.js';
import type { SourceFormat } from '../run/run-records.js';
import type { ListedObject, Storage } from '../storage/storage.js';
import { countPdfPages } from './count-pdf-pages.js';
import { countTiffPages, type ReadRange } from './count-tiff-pages.js';

/** How each multi-page format's pages are counted from a few ranged reads. */
const COUNTERS: Partial<Record<SourceFormat, (read: ReadRange, size: number) => Promise<number | undefined>>> = {
  tiff: countTiffPages,
  pdf: countPdfPages,
};

/** Whether files of `format` may have several pages (TIFF, PDF): only theirs are counted. */
export function mayHavePages(format: SourceFormat): boolean {
  return COUNTERS[format] !== undefined;
}

/**
 * The page count of one listed file of a multi-page format (TIFF, PDF), read from its header with
 * small ranged reads, never the whole file. A file of another format, an empty file, a file whose
 * header cannot be read as its format (the worker reports why when it decodes it) and a file
 * deleted since the listing count as one page.
 */
export async function countPages(
  storage: Storage,
  bucket: string,
  object: ListedObject,
  format: SourceFormat,
): Promise<number> {
  const counter = COUNTERS[format];
  if (counter === undefined || object.size === 0) return 1;
  const read: ReadRange = (start, length) =>
    start >= object.size
      ? Promise.resolve(Buffer.alloc(0))
      : storage.getRange(bucket, object.key, start, Math.min(length, object.size - start));
  try {
    const count = await counter(read, object.size);
    return count !== undefined && count > 1 ? count : 1;
  } catch (error) {
    if (error instanceof NotFoundError) return 1;
    throw error;
  }
}
