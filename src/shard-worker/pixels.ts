import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';

/**
 * Decoded 8-bit pixels of one pyramid level: in memory as raw bytes up to `inMemoryBytes` (every
 * tile, whole-level file and reduction then reads the same buffer, with no file in between), or
 * larger, in a tiled, uncompressed TIFF read tile by tile, so memory stays bounded whatever the
 * image size (a 400-megapixel RGB image is 1.2 GB of pixels).
 */
export type Pixels = {
  readonly width: number;
  readonly height: number;
  /** 1 (grey) or 3 (sRGB). */
  readonly channels: 1 | 3;
} & ({ readonly kind: 'raw'; readonly data: Buffer } | { readonly kind: 'file'; readonly path: string });

export interface PixelLimits {
  /** The largest level kept in memory, in bytes; larger levels go to a file. */
  readonly inMemoryBytes: number;
}

/**
 * 384 MiB: every image up to about 130 megapixels RGB (400 grey) is decoded into memory; with the
 * next level (a quarter of that) and the JPEGs in flight, a worker stays well under 1 GiB.
 */
export const DEFAULT_PIXEL_LIMITS: PixelLimits = { inMemoryBytes: 384 * 1024 * 1024 };

export interface PixelPlace {
  /** Folder for pixel files. */
  readonly dir: string;
  /** File name without extension. */
  readonly name: string;
  /** The pyramid's tile size: TIFF tiles match it when it is a multiple of 16 (TIFF's rule). */
  readonly tileSize: number;
  readonly limits: PixelLimits;
}

/**
 * Run `image` (which must produce `size`) and keep its pixels as `Pixels`.
 *
 * @throws when the pipeline fails or produces other dimensions or bands than announced
 */
export async function storePixels(
  image: Sharp,
  size: { readonly width: number; readonly height: number; readonly channels: 1 | 3 },
  place: PixelPlace,
): Promise<Pixels> {
  if (size.width * size.height * size.channels <= place.limits.inMemoryBytes) {
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    return checked({ kind: 'raw', data, width: info.width, height: info.height, channels: bands(info.channels) }, size);
  }
  const path = join(place.dir, `${place.name}.tif`);
  const tile = place.tileSize % 16 === 0 ? place.tileSize : 256;
  const info = await image
    .tiff({ tile: true, tileWidth: tile, tileHeight: tile, compression: 'none', bigtiff: true })
    .toFile(path);
  return checked({ kind: 'file', path, width: info.width, height: info.height, channels: bands(info.channels) }, size);
}

/** The pixels as a sharp pipeline that keeps their colour space (sharp would make grey sRGB). */
export function openPixels(pixels: Pixels): Sharp {
  const { width, height, channels } = pixels;
  const image =
    pixels.kind === 'file'
      ? sharp(pixels.path, { limitInputPixels: false })
      : sharp(pixels.data, { raw: { width, height, channels }, limitInputPixels: false });
  return image.toColourspace(channels === 1 ? 'b-w' : 'srgb');
}

/** Free the pixels' file (memory is freed by the garbage collector). */
export async function releasePixels(pixels: Pixels): Promise<void> {
  if (pixels.kind === 'file') await rm(pixels.path, { force: true });
}

function bands(channels: number): 1 | 3 {
  if (channels !== 1 && channels !== 3) throw new Error(`Expected 1 or 3 bands but decoded ${channels}`);
  return channels;
}

function checked(
  pixels: Pixels,
  size: { readonly width: number; readonly height: number; readonly channels: number },
): Pixels {
  if (pixels.width !== size.width || pixels.height !== size.height || pixels.channels !== size.channels) {
    throw new Error(
      `Expected ${size.width}x${size.height}x${size.channels} pixels but got ${pixels.width}x${pixels.height}x${pixels.channels}`,
    );
  }
  return pixels;
}
