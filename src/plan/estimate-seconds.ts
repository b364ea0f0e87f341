import type { PlannedImage, SourceFormat } from '../run/run-records.js';

/**
 * Rough decoded pixels per stored byte, by format: how much tiling work a file of a given size is.
 * JPEG and WebP compress ~10:1 or more; TIFF masters are often uncompressed or LZW (16-bit ones
 * have fewer pixels per byte, which this errs on the side of overestimating).
 */
export const PIXELS_PER_BYTE: Readonly<Record<SourceFormat, number>> = {
  jpeg: 3,
  webp: 4,
  png: 0.6,
  gif: 1.5,
  tiff: 0.4,
  // Lossless RGB JPEG 2000 holds about 1.5 pixels per byte, and decoding it (OpenJPEG in WebAssembly,
  // one thread, about 2.5 MP/s) costs about four times the tiling: weighted as 6 tiled pixels per byte.
  jp2: 6,
  // A PDF page's work is its rendered size at PDF_DPI, not its bytes (see below).
  pdf: 0,
};

/** An A4 page's area in square inches: the page size a PDF page is assumed to have. */
const PDF_PAGE_SQUARE_INCHES = 8.27 * 11.69;

/** Rendering a PDF page costs about as much again as tiling its pixels. */
const PDF_RENDER_FACTOR = 2;

/** Megapixels per second one worker tiles (sharp, 512 px tiles, JPEG out); see `npm run bench`. */
export const WORKER_MEGAPIXELS_PER_SECOND = 12;

/**
 * Fixed cost per image: what does not overlap the tiling (the shard worker fetches the next source
 * and uploads tiles while it renders): the upload tail, info.json and the resume marker, a few S3
 * round trips; on a local disk, a few hundredths of a second. Weighed too high, it makes shards of
 * many small images look heavier than shards of large masters (one second put 63 % of the bench's
 * mixed collection in one of two shards; a quarter, 58 %).
 */
const SECONDS_PER_IMAGE = 0.25;

/**
 * Estimated seconds one worker spends on an image (one page of a multi-page file: its share of
 * the file's bytes; for a PDF page, an A4 page rendered at `pdfDpi`): the planner's cost model.
 */
export function estimateSeconds(image: Pick<PlannedImage, 'format' | 'bytes' | 'pages'>, pdfDpi = 300): number {
  if (image.format === 'pdf') {
    const megapixels = (PDF_PAGE_SQUARE_INCHES * pdfDpi * pdfDpi) / 1e6;
    return SECONDS_PER_IMAGE + (PDF_RENDER_FACTOR * megapixels) / WORKER_MEGAPIXELS_PER_SECOND;
  }
  const megapixels = (image.bytes * PIXELS_PER_BYTE[image.format]) / (image.pages ?? 1) / 1e6;
  return SECONDS_PER_IMAGE + megapixels / WORKER_MEGAPIXELS_PER_SECOND;
}
