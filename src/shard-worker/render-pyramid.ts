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
  /** Which levels are kept in memory (default `DEFAULT_PIXEL_LIMITS`). */
  readonly limits?: PixelLimits;
  readonly quality: number;
  /** Encodes in flight at once (each on a libuv thread). */
  readonly concurrency: number;
  /**
   * Receives every rendered JPEG as soon as it is ready. Rendering waits for the returned promise
   * before starting more work, so a slow consumer (uploads) holds rendering back instead of letting
   * encoded tiles pile up in memory.
   */
  readonly emit: (content: FileContent, jpeg: Buffer) => Promise<void>;
}

/**
 * Render a whole pyramid from the decoded base: each level's tiles and whole image are encoded from
 * that level's pixels while the next level is reduced from them (lanczos3, exact ceil dimensions).
 * Tiles and whole-level images of a level come from the same pixels, so `sizes` files and tiles
 * always agree.
 */
export async function renderPyramid(options: RenderOptions): Promise<void> {
  const { pyramid, base } = options;
  const jpeg = jpegOptions(options.quality);
  let pixels = base;
  for (const level of pyramid.levels) {
    const next = pyramid.levels[level.index + 1];
    const reduced = next === undefined ? undefined : reduceLevel(pixels, next, options);
    reduced?.catch(() => undefined);
    try {
      await forEachLimited(levelContents(level), options.concurrency, async (content) => {
        if (!options.wants(content)) return;
        await options.emit(content, await cut(pixels, pyramid, content).jpeg(jpeg).toBuffer());
      });
    } catch (error) {
      await reduced?.then(releasePixels, () => undefined);
      throw error;
    }
    // The next level is read from these pixels: release them only once it is complete.
    const nextPixels = await reduced;
    if (pixels !== base) await releasePixels(pixels);
    if (nextPixels === undefined) break;
    pixels = nextPixels;
  }
}

/** A level's whole image first (its largest encode, which then overlaps the tiles best), then its tiles. */
function levelContents(level: PyramidLevel): FileContent[] {
  const contents: FileContent[] = [{ kind: 'level', level: level.index }];
  for (let row = 0; row < level.rows; row++) {
    for (let column = 0; column < level.columns; column++) {
      contents.push({ kind: 'tile', level: level.index, column, row });
    }
  }
  return contents;
}

/** The one place tiles are cut: a content's pixels from its level's pixels. */
function cut(pixels: Pixels, pyramid: Pyramid, content: FileContent): ReturnType<typeof openPixels> {
  const image = openPixels(pixels);
  if (content.kind === 'level' || (pixels.width <= pyramid.tileSize && pixels.height <= pyramid.tileSize)) return image;
  const region = tileRegion(pyramid, content);
  return image.extract({
    left: content.column * pyramid.tileSize,
    top: content.row * pyramid.tileSize,
    width: region.width,
    height: region.height,
  });
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
