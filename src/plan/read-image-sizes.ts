import sharp from 'sharp';
import type { Size } from '../run/image-result.js';
import type { PlannedImage } from '../run/run-records.js';
import type { Storage } from '../storage/storage.js';
import { forEachLimited } from '../util/for-each-limited.js';

/** Bytes read from the start of a file for its header: where JPEG, PNG, WebP and GIF keep their size. */
export const HEADER_BYTES = 64 * 1024;
/**
 * Most files whose headers are read for an estimate (spread evenly over the images): one ranged
 * GET each, so a plan of 100,000 images costs 200 requests and a second or two; the other images'
 * sizes are estimated from their bytes with the pixels per byte measured on this sample, by format.
 */
export const HEADER_SAMPLE = 200;
const READ_CONCURRENCY = 16;

/**
 * Displayed pixel size (EXIF orientation applied) of each given file, from a ranged read of its
 * first `HEADER_BYTES` given to sharp. A file whose header is beyond that (a TIFF with its
 * directory at the end, a JPEG with a large embedded preview) or that is not readable is left out:
 * the estimate falls back on its byte size.
 *
 * @returns sizes by source key
 */
export async function readImageSizes(
  storage: Storage,
  bucket: string,
  files: readonly Pick<PlannedImage, 'sourceKey' | 'bytes'>[],
): Promise<Map<string, Size>> {
  const sizes = new Map<string, Size>();
  await forEachLimited(files, READ_CONCURRENCY, async (image) => {
    if (image.bytes === 0) return;
    try {
      const header = await storage.getRange(bucket, image.sourceKey, 0, Math.min(HEADER_BYTES, image.bytes));
      const metadata = await sharp(header, { failOn: 'none' }).metadata();
      const width = metadata.autoOrient?.width ?? metadata.width;
      const height = metadata.autoOrient?.height ?? metadata.height;
      if (width !== undefined && height !== undefined && width > 0 && height > 0) {
        sizes.set(image.sourceKey, { width, height });
      }
    } catch {
      // Unreadable from its first bytes: estimated from its size instead.
    }
  });
  return sizes;
}
