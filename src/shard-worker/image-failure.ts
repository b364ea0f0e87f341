import { errorMessage } from '../errors.js';

/**
 * Why one image cannot be published, in words a person can act on. Thrown inside the tiler and
 * turned into a `failed` result; it never stops the other images of a shard.
 */
export class ImageFailure extends Error {
  public readonly reason: string;

  public constructor(reason: string, options?: ErrorOptions) {
    super(reason, options);
    this.name = 'ImageFailure';
    this.reason = reason;
  }
}

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  jpeg: 'JPEG',
  jpg: 'JPEG',
  tiff: 'TIFF',
  tif: 'TIFF',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  jp2: 'JPEG 2000',
  pdf: 'PDF',
};

/** `JPEG`, `TIFF`, ... for a sharp or planner format name. */
export function formatName(format: string | undefined): string {
  if (format === undefined) return 'image';
  return FORMAT_NAMES[format.toLowerCase()] ?? format.toUpperCase();
}

const TRUNCATION =
  /premature end|unexpected end|truncat|short read|end of (file|data|stream)|not enough data|read error at scanline/i;

/**
 * The reason for a decoder error: `truncated JPEG: VipsJpeg: premature end of JPEG image`, or
 * `not a decodable image: Input file contains unsupported image format`.
 */
export function decodeFailureReason(error: unknown, format: string | undefined): string {
  const message = errorMessage(error).replace(/\s+/g, ' ').trim();
  if (TRUNCATION.test(message)) return `truncated ${formatName(format)}: ${message}`;
  return `not a decodable image: ${message}`;
}
