import { rm } from 'node:fs/promises';
import sharp, { type JpegOptions, type Sharp } from 'sharp';
import type { Pyramid, PyramidLevel } from '../iiif/image-api/compute-pyramid.js';
import type { FileContent } from '../iiif/image-api/list-tile-set.js';
import { tileRegion } from '../iiif/image-api/tile-region.js';
import { forEachLimited } from '../util/for-each-limited.js';
import { pixelFile } from './pixel-file.js';

/** JPEG settings of every published file. */
export function jpegOptions(quality: number): JpegOptions {
  return { quality, chromaSubsampling: '4:2:0', optimiseCoding: false, mozjpeg: false };
}

/** Reduced levels up to this size (in raw bytes) are kept in memory, larger ones in a pixel file. */
export const IN_MEMORY_LEVEL_BYTES = 64 * 1024 * 1024;

/** The pixels of one level: a libvips `.v` file (mapped, never read whole) or raw bytes in memory. */
type LevelPixels = { readonly channels: 1 | 3 } & (
  | { readonly kind: 'file'; readonly path: string; readonly temporary: boolean }
  | { readonly kind: 'raw'; readonly data: Buffer; readonly width: number; readonly height: number }
);

export interface RenderOptions {
  /** Decoded full-resolution pixels (see `decodeSource`: a `.v` or tiled TIFF file). */
  readonly basePath: string;
  /** Bands of the decoded pixels: 1 (grey, published as greyscale JPEG) or 3 (sRGB). */
  readonly channels: 1 | 3;
  readonly pyramid: Pyramid;
  /**
   * Which contents to render: tiles, and whole levels (`full/max`, large `sizes`) as one JPEG each.
   * A tile that is not wanted (its request is served by a sharper level's tile) is skipped.
   */
  readonly wants: (content: FileContent) => boolean;
  /** Folder for intermediate levels too large for memory. */
  readonly workDir: string;
  readonly quality: number;
  /** Encodes in flight at once (each on a libuv thread; libvips adds its own threads). */
  readonly concurrency: number;
  /**
   * Receives every rendered JPEG as soon as it is ready. Rendering waits for the returned promise
   * before starting more work, so a slow consumer (uploads) holds rendering back instead of letting
   * encoded tiles pile up in memory.
   */
  readonly emit: (content: FileContent, jpeg: Buffer) => Promise<void>;
  /** Where reduced levels go to disk instead of memory (default `IN_MEMORY_LEVEL_BYTES`). */
  readonly inMemoryLevelBytes?: number;
  /** Largest pixel file kept in libvips' mapped format (default `MAPPED_PIXELS_MAX_BYTES`). */
  readonly mappedMaxBytes?: number;
}

/**
 * Render a whole pyramid from the decoded base with one read of the source: each level is reduced
 * from the one above (lanczos3, exact ceil dimensions) while that level's tiles are cut and encoded,
 * several at a time. Tiles and whole-level images of a level come from the same pixels, so `sizes`
 * files and tiles always agree.
 */
export async function renderPyramid(options: RenderOptions): Promise<void> {
  const { pyramid } = options;
  const jpeg = jpegOptions(options.quality);
  let pixels: LevelPixels = { kind: 'file', path: options.basePath, temporary: false, channels: options.channels };
  for (const level of pyramid.levels) {
    const next = pyramid.levels[level.index + 1];
    // Reduce the next level while this one's tiles are encoded from the same pixels.
    const reduced: Promise<LevelPixels> | undefined =
      next === undefined ? undefined : reduceLevel(pixels, next, options);
    reduced?.catch(() => undefined);
    try {
      await renderLevel(options, pixels, level, jpeg);
    } catch (error) {
      await reduced?.then(release, () => undefined);
      throw error;
    }
    await release(pixels);
    if (reduced === undefined) break;
    pixels = await reduced;
  }
}

async function renderLevel(
  options: RenderOptions,
  pixels: LevelPixels,
  level: PyramidLevel,
  jpeg: JpegOptions,
): Promise<void> {
  const jobs: (() => Promise<void>)[] = [];
  // The whole level first: it is the largest single encode, so it overlaps the tiles best.
  if (options.wants({ kind: 'level', level: level.index })) {
    jobs.push(async () => {
      const data = await open(pixels).jpeg(jpeg).toBuffer();
      await options.emit({ kind: 'level', level: level.index }, data);
    });
  }
  for (let row = 0; row < level.rows; row++) {
    for (let column = 0; column < level.columns; column++) {
      const content: FileContent = { kind: 'tile', level: level.index, column, row };
      if (!options.wants(content)) continue;
      jobs.push(async () => {
        const region = tileRegion(options.pyramid, content);
        const image = open(pixels);
        const cut =
          level.columns === 1 && level.rows === 1
            ? image
            : image.extract({
                left: column * options.pyramid.tileSize,
                top: row * options.pyramid.tileSize,
                width: region.width,
                height: region.height,
              });
        await options.emit(content, await cut.jpeg(jpeg).toBuffer());
      });
    }
  }
  await forEachLimited(jobs, options.concurrency, (job) => job());
}

async function reduceLevel(pixels: LevelPixels, level: PyramidLevel, options: RenderOptions): Promise<LevelPixels> {
  const resized = open(pixels).resize(level.width, level.height, { fit: 'fill' });
  const channels = pixels.channels;
  if (level.width * level.height * channels > (options.inMemoryLevelBytes ?? IN_MEMORY_LEVEL_BYTES)) {
    const size = { width: level.width, height: level.height, channels };
    const file = pixelFile(
      options.workDir,
      `level-${level.index}`,
      size,
      options.pyramid.tileSize,
      options.mappedMaxBytes,
    );
    await file.write(resized);
    return { kind: 'file', path: file.path, temporary: true, channels };
  }
  const { data, info } = await resized.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels)
    throw new Error(`Expected ${channels} bands at level ${level.index}, got ${info.channels}`);
  return { kind: 'raw', data, width: info.width, height: info.height, channels };
}

/** The pixels as a sharp pipeline that keeps their colour space (sharp would make grey sRGB). */
function open(pixels: LevelPixels): Sharp {
  const { channels } = pixels;
  const image =
    pixels.kind === 'file'
      ? sharp(pixels.path, { limitInputPixels: false })
      : sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels }, limitInputPixels: false });
  return image.toColourspace(channels === 1 ? 'b-w' : 'srgb');
}

async function release(pixels: LevelPixels): Promise<void> {
  if (pixels.kind === 'file' && pixels.temporary) await rm(pixels.path, { force: true });
}
