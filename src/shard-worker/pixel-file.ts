import { join } from 'node:path';
import type { OutputInfo, Sharp } from 'sharp';

/**
 * Decoded pixels up to this size are kept in libvips' own `.v` format, which libvips maps into
 * memory: the fastest to read back. Larger ones go into a tiled, uncompressed TIFF, read tile by
 * tile: a mapped file counts towards the process's memory as it is read, and a 400-megapixel image
 * would pass 1 GiB.
 */
export const MAPPED_PIXELS_MAX_BYTES = 256 * 1024 * 1024;

/** A file of decoded pixels on local disk. */
export interface PixelFile {
  readonly path: string;
  /** Write the pipeline's pixels to `path`. */
  write(image: Sharp): Promise<OutputInfo>;
}

/**
 * Where and how to store `width x height x channels` decoded 8-bit pixels in `dir`.
 *
 * @param tileSize the pyramid's tile size: TIFF tiles match it when it is a multiple of 16 (TIFF's
 *   rule), so cutting a pyramid tile reads exactly one TIFF tile
 * @param mappedMaxBytes the largest size kept as a `.v` file (default `MAPPED_PIXELS_MAX_BYTES`)
 */
export function pixelFile(
  dir: string,
  name: string,
  size: { readonly width: number; readonly height: number; readonly channels: number },
  tileSize: number,
  mappedMaxBytes = MAPPED_PIXELS_MAX_BYTES,
): PixelFile {
  if (size.width * size.height * size.channels <= mappedMaxBytes) {
    const path = join(dir, `${name}.v`);
    return { path, write: (image) => image.toFile(path) };
  }
  const path = join(dir, `${name}.tif`);
  const tile = tileSize % 16 === 0 ? tileSize : 256;
  return {
    path,
    write: (image) =>
      image.tiff({ tile: true, tileWidth: tile, tileHeight: tile, compression: 'none', bigtiff: true }).toFile(path),
  };
}
