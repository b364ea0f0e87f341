import { NotFoundError } from '../errors.js';
import type { SourceFormat } from '../run/run-records.js';
import type { ListedObject, Storage } from '../storage/storage.js';
import { forEachLimited } from '../util/for-each-limited.js';
import { countPdfPages } from './count-pdf-pages.js';
import { countTiffPages, type ReadRange } from './count-tiff-pages.js';
import { sourceFormat } from './source-format.js';

/** Header reads in flight at once while counting pages. */
const COUNT_CONCURRENCY = 32;

/** How each multi-page format's pages are counted from a few ranged reads. */
const COUNTERS: Partial<Record<SourceFormat, (read: ReadRange, size: number) => Promise<number | undefined>>> = {
  tiff: countTiffPages,
  pdf: countPdfPages,
};

/**
 * The page count of every multi-page file in a listing (TIFF, PDF), read from the file headers with
 * small ranged reads, never the whole file. Files of one page, files whose header cannot be read as
 * their format (the worker reports why when it decodes them) and files deleted since the listing
 * are left out: the plan treats them as one page.
 *
 * @returns page counts above 1, by key
 */
export async function countPages(
  storage: Storage,
  bucket: string,
  objects: readonly ListedObject[],
): Promise<Map<string, number>> {
  const counted = objects.filter((object) => {
    const format = sourceFormat(object.key);
    return format !== undefined && COUNTERS[format] !== undefined && object.size > 0;
  });
  const pages = new Map<string, number>();
  await forEachLimited(counted, COUNT_CONCURRENCY, async (object) => {
    const counter = COUNTERS[sourceFormat(object.key) as SourceFormat];
    if (counter === undefined) return;
    const read: ReadRange = (start, length) =>
      start >= object.size
        ? Promise.resolve(Buffer.alloc(0))
        : storage.getRange(bucket, object.key, start, Math.min(length, object.size - start));
    try {
      const count = await counter(read, object.size);
      if (count !== undefined && count > 1) pages.set(object.key, count);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  });
  return pages;
}
