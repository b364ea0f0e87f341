import type { JpegOptions } from 'sharp';
import type { Pyramid, PyramidLevel } from '../iiif/image-api/compute-pyramid.js';
import type { FileContent } from '../iiif/image-api/list-tile-set.js';
import { tileRegion } from '../iiif/image-api/tile-region.js';
import { forEachLimited } from '../util/for-each-limited.js';
import {
  DEFAULT_PIXEL_LIMITS,
  openPixels,
  type PixelLimits,
  type Pixels,
  releasePixels,
  storePixels,
} from './pixels.js';

/** JPEG settings of every published file. */
export function jpegOptions(quality: number): JpegOptions {
  return { quality, chromaSubsampling: '4:2:0', optimiseCoding: false, mozjpeg: false };
}

export interface RenderOptions {
  /** Decoded full-resolution pixels (see `decodeSource`); grey stays grey. Left for the caller to release. */
  readonly base: Pixels;
  readonly pyramid: Pyramid;
  /**
   * Which contents to render: tiles, and whole levels (`full/max`, large `sizes`) as one JPEG each.
   * A tile that is not wanted (its request is served by a sharper level's tile) is skipped.
   */
  readonly wants: (content: FileContent) => boolean;
  /** Folder for reduced levels too large for memory. */
  readonly workDir: string;
  /** Where reduced levels are kept (default `DEFAULT_PIXEL_LIMITS`). */
  readonly limits?: PixelLimits;
  readonly quality: number;
  /** Encodes in flight at once (each on a libuv thread; libvips adds its own threads). */
  readonly concurrency: number;
  /**
   * Receives every rendered JPEG as soon as it is ready. Rendering waits for the returned promise
   * before starting more work, so a slow consumer (uploads) holds rendering back instead of letting
   * encoded tiles pile up in memory.
   */
  readonly emit: (content: FileContent, jpeg: Buffer) => Promise<void>;
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
  let pixels = options.base;
  for (const level of pyramid.levels) {
    const next = pyramid.levels[level.index + 1];
    // Reduce the next level while this one's tiles are encoded from the same pixels.
    const reduced: Promise<Pixels> | undefined = next === undefined ? undefined : reduceLevel(pixels, next, options);
    reduced?.catch(() => undefined);
    try {
      await renderLevel(options, pixels, level, jpeg);
    } catch (error) {
      await reduced?.then(releasePixels, () => undefined);
      throw error;
    }
    if (pixels !== options.base) await releasePixels(pixels);
    if (reduced === undefined) break;
    pixels = await reduced;
  }
}

async function renderLevel(
  options: RenderOptions,
  pixels: Pixels,
  level: PyramidLevel,
  jpeg: JpegOptions,
): Promise<void> {
  const jobs: (() => Promise<void>)[] = [];
  // The whole level first: it is the largest single encode, so it overlaps the tiles best.
  if (options.wants({ kind: 'level', level: level.index })) {
    jobs.push(async () => {
      const data = await openPixels(pixels).jpeg(jpeg).toBuffer();
      await options.emit({ kind: 'level', level: level.index }, data);
    });
  }
  for (let row = 0; row < level.rows; row++) {
    for (let column = 0; column < level.columns; column++) {
      const content: FileContent = { kind: 'tile', level: level.index, column, row };
      if (!options.wants(content)) continue;
      jobs.push(async () => {
        const region = tileRegion(options.pyramid, content);
        const image = openPixels(pixels);
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

async function reduceLevel(pixels: Pixels, level: PyramidLevel, options: RenderOptions): Promise<Pixels> {
  const resized = openPixels(pixels).resize(level.width, level.height, { fit: 'fill' });
  return storePixels(
    resized,
    { width: level.width, height: level.height, channels: pixels.channels },
    {
      dir: options.workDir,
      name: `level-${level.index}`,
      tileSize: options.pyramid.tileSize,
      limits: options.limits ?? DEFAULT_PIXEL_LIMITS,
    },
  );
}
