import sharp, { type Metadata } from 'sharp';
import type { RunWarning } from '../run/run-warning.js';
import { findTruncation } from './find-truncation.js';
import { decodeFailureReason, formatName, ImageFailure } from './image-failure.js';
import { DEFAULT_PIXEL_LIMITS, type PixelLimits, type Pixels, storePixels } from './pixels.js';

/**
 * The largest source accepted, in pixels (1 gigapixel). sharp's default (about 268 megapixels)
 * would reject the 400-megapixel masters libraries hold; a limit still guards against
 * "decompression bombs" (a small file declaring enormous dimensions).
 */
export const MAX_INPUT_PIXELS = 1_000_000_000;

/**
 * Options every read of a source uses: truncated or unreadable pixel data is an error, never grey
 * or black tiles. `error`, not sharp's `truncated`: libvips reports a TIFF strip that ends early
 * ("Read error at scanline") as an error of the TIFF library, which `truncated` lets through.
 * Not `warning` either: scanner TIFFs often carry private tags that libtiff warns about.
 */
export const SOURCE_READ_OPTIONS = { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS } as const;

/** A warning about one source; the shard worker adds the item and the file. */
export type SourceWarning = Pick<RunWarning, 'code' | 'message'>;

export interface DecodedSource {
  /** The decoded pixels, in memory or (too large for memory) in a file in `workDir`. */
  readonly pixels: Pixels;
  /** Displayed dimensions (EXIF orientation applied). */
  readonly width: number;
  readonly height: number;
  /** sharp's name of the source format, e.g. `jpeg`, `tiff`. */
  readonly format: string;
  /** What the run's warnings must say about this source, e.g. "multi-page TIFF: page 1 of 3 used". */
  readonly warnings: readonly SourceWarning[];
}

/**
 * Decode a source once into 8-bit sRGB (or grey) pixels, in memory or in `workDir`, with the EXIF
 * orientation applied, transparency flattened onto white, ICC profiles and CMYK converted to sRGB
 * and 16-bit samples reduced to 8. Every later step reads those pixels: no second decode, no colour
 * conversion per level.
 *
 * @param expectedFormat the format the file name promises (for messages)
 * @param tileSize the pyramid's tile size (the layout of large pixel files follows it)
 * @param limits which sizes stay in memory (larger ones go to a tiled TIFF)
 * @throws {ImageFailure} when the source is not a decodable image (with the reason)
 */
export async function decodeSource(
  sourcePath: string,
  workDir: string,
  expectedFormat: string | undefined,
  tileSize: number,
  limits: PixelLimits = DEFAULT_PIXEL_LIMITS,
  options: DecodeOptions = {},
): Promise<DecodedSource> {
  // Before anything is decoded: libvips would only warn about a TIFF's missing strips.
  const truncation = await findTruncation(sourcePath);
  if (truncation !== undefined) throw new ImageFailure(truncation);
  // sharp counts pages from 0.
  const readOptions = { ...SOURCE_READ_OPTIONS, page: (options.page ?? 1) - 1 };
  let metadata: Metadata;
  try {
    // The header only, without the pixel limit: a too-large image gets its own reason below.
    metadata = await sharp(sourcePath, { ...readOptions, limitInputPixels: false }).metadata();
  } catch (error) {
    const pages = options.page === undefined ? undefined : await pageCount(sourcePath);
    if (pages !== undefined && (options.page ?? 1) > pages) {
      throw new ImageFailure(`page ${options.page} not found: the file has ${pages} pages`, { cause: error });
    }
    throw new ImageFailure(decodeFailureReason(error, expectedFormat), { cause: error });
  }
  const format = metadata.format ?? expectedFormat ?? 'unknown';
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (pixels > MAX_INPUT_PIXELS) {
    throw new ImageFailure(
      `image too large: ${metadata.width}x${metadata.height} is ${Math.round(pixels / 1e6)} megapixels, ` +
        `more than the ${MAX_INPUT_PIXELS / 1e6} megapixels a worker accepts`,
    );
  }
  const warnings: SourceWarning[] = [];
  if (expectedFormat !== undefined && formatName(format) !== formatName(expectedFormat)) {
    warnings.push({
      code: 'source-format-mismatch',
      message: `content is ${formatName(format)} although the file name says ${formatName(expectedFormat)}`,
    });
  }
  // A planned page is one of the file's pages by design; otherwise say what else the file holds.
  const pageNote = options.page === undefined ? await describePages(sourcePath, metadata, format) : undefined;
  if (pageNote !== undefined) warnings.push({ code: 'source-pages-ignored', message: pageNote });

  const grey = metadata.space === 'b-w' || metadata.space === 'grey16';
  const channels = grey ? 1 : 3;
  const source = sharp(sourcePath, readOptions).autoOrient();
  const flat = metadata.hasAlpha ? source.flatten({ background: '#ffffff' }) : source;
  const pipeline = flat.toColourspace(grey ? 'b-w' : 'srgb');
  const shown = metadata.autoOrient ?? { width: metadata.width ?? 0, height: metadata.height ?? 0 };
  const size = { width: shown.width, height: shown.height, channels } as const;
  try {
    const pixels = await storePixels(pipeline, size, { dir: workDir, name: 'base', tileSize, limits });
    return { pixels, width: pixels.width, height: pixels.height, format, warnings };
  } catch (error) {
    throw new ImageFailure(decodeFailureReason(error, format), { cause: error });
  }
}

export interface DecodeOptions {
  /** Which page of a multi-page source to decode (1-based). Default: the first. */
  readonly page?: number;
}

/**
 * What to say when only the first page of a multi-page file is used. A TIFF whose later pages are each
 * smaller than the one before is a resolution pyramid, not several pages: nothing to say.
 */
async function describePages(path: string, metadata: Metadata, format: string): Promise<string | undefined> {
  const pages = metadata.pages ?? 1;
  if (pages <= 1) return undefined;
  if (format === 'tiff' && (await isPyramid(path, metadata, pages))) return undefined;
  const what = format === 'tiff' ? 'page' : 'frame';
  return `multi-${what} ${formatName(format)}: ${what} 1 of ${pages} used, the other ${pages - 1} not published`;
}

async function pageCount(path: string): Promise<number | undefined> {
  try {
    return (await sharp(path, { ...SOURCE_READ_OPTIONS, limitInputPixels: false }).metadata()).pages;
  } catch {
    return undefined;
  }
}

async function isPyramid(path: string, metadata: Metadata, pages: number): Promise<boolean> {
  let previous = { width: metadata.width ?? 0, height: metadata.height ?? 0 };
  for (let page = 1; page < Math.min(pages, 16); page++) {
    const next = await sharp(path, { ...SOURCE_READ_OPTIONS, page }).metadata();
    const size = { width: next.width ?? 0, height: next.height ?? 0 };
    if (size.width >= previous.width || size.height >= previous.height) return false;
    previous = size;
  }
  return true;
}
