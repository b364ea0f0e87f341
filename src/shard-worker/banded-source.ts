/**
 * A large source rendered while it is decoded: one sequential decode (the only kind libvips does
 * fast for striped TIFF, JPEG or PNG) writes 8-bit pixels row by row into a libvips `.v` file, and
 * the renderer reads each band of tile rows as soon as its rows are in the file, cutting and
 * encoding its tiles and halving it into the next level while later rows are still being decoded.
 * Bands are read into memory (not mapped), so memory stays bounded whatever the image size.
 */
export interface BandedSource {
  readonly kind: 'bands';
  /** Displayed dimensions (the source needs no rotation). */
  readonly width: number;
  readonly height: number;
  /** 1 (grey) or 3 (sRGB). */
  readonly channels: 1 | 3;
  /**
   * Decode the whole source into `path` (libvips' `.v` format: a 64-byte header, then the rows in
   * order, written as they are decoded). Resolves when every row is written.
   */
  readonly decode: (path: string) => Promise<void>;
  /** Turns a decode failure into the image's failure (with a reason). */
  readonly failure: (error: unknown) => Error;
}

/** Bytes before the first row in a libvips `.v` file. */
export const VIPS_HEADER_BYTES = 64;
