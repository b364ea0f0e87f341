import { InvalidInputError } from '../../errors.js';
import type { Size } from '../../run/image-result.js';

/**
 * One resolution level of a level-0 image service: the image reduced by `scaleFactor` (a power of
 * two), cut into `columns` x `rows` tiles of at most `tileSize` pixels.
 *
 * Dimensions use the ceil rounding of the Image API (3.0, Appendix A "Implementation Notes";
 * OpenSeadragon >= 4.1): `width = ceil(imageWidth / scaleFactor)`.
 */
export interface PyramidLevel {
  /** `log2(scaleFactor)`: 0 is full resolution. */
  readonly index: number;
  readonly scaleFactor: number;
  readonly width: number;
  readonly height: number;
  readonly columns: number;
  readonly rows: number;
}

/** Everything a level-0 service's file set and info.json follow from. */
export interface Pyramid {
  /** Image width and height in pixels (as displayed: EXIF orientation applied). */
  readonly width: number;
  readonly height: number;
  /** Tile width and height in pixels. */
  readonly tileSize: number;
  /**
   * Levels from full resolution (index 0) up to the first level that fits one tile (the last).
   * info.json `tiles[0].scaleFactors` lists their scale factors.
   */
  readonly levels: readonly PyramidLevel[];
  /**
   * The level published as `full/max` (2.1: `full/full`): full resolution, or the first level whose
   * longest side is within the cap when the image is larger.
   */
  readonly fullLevel: PyramidLevel;
  /** Dimensions of `full/max`. */
  readonly full: Size;
  /** `true` when `full` is smaller than the image: info.json then states `maxWidth`/`maxHeight`. */
  readonly capped: boolean;
  /**
   * info.json `sizes`, ascending: every level from the smallest (one tile) to `full`. Each has a file;
   * none is larger than `full`.
   */
  readonly sizes: readonly Size[];
}

export interface PyramidOptions {
  /** Image width in pixels, 1 to 10,000,000. */
  readonly width: number;
  /** Image height in pixels, 1 to 10,000,000. */
  readonly height: number;
  /** Tile size in pixels, 1 to 8192 (libvips' limit). */
  readonly tileSize: number;
  /**
   * Longest side of `full/max` in pixels, 1 to 65,535 (JPEG's limit). A cap below the tile size is
   * raised to the tile size: the smallest level is always one whole tile, which viewers request.
   */
  readonly fullMaxSize: number;
}

const MAX_DIMENSION = 10_000_000;

/**
 * The pyramid of a level-0 service: scale factors (every power of two from 1 up to the level where
 * the whole image fits one tile), `sizes`, and the (possibly capped) `full` size.
 *
 * @throws {InvalidInputError} when an option is not an integer in its range, e.g.
 *   "Expected integer between 1 and 8192 for tileSize but received 0 of type number".
 */
export function computePyramid(options: PyramidOptions): Pyramid {
  const width = checkInteger(options.width, 'width', 1, MAX_DIMENSION);
  const height = checkInteger(options.height, 'height', 1, MAX_DIMENSION);
  const tileSize = checkInteger(options.tileSize, 'tileSize', 1, 8192);
  const cap = Math.max(checkInteger(options.fullMaxSize, 'fullMaxSize', 1, 65_535), tileSize);

  const levels: PyramidLevel[] = [];
  for (let index = 0; ; index++) {
    const scaleFactor = 2 ** index;
    const levelWidth = Math.ceil(width / scaleFactor);
    const levelHeight = Math.ceil(height / scaleFactor);
    levels.push({
      index,
      scaleFactor,
      width: levelWidth,
      height: levelHeight,
      columns: Math.ceil(levelWidth / tileSize),
      rows: Math.ceil(levelHeight / tileSize),
    });
    if (levelWidth <= tileSize && levelHeight <= tileSize) break;
  }

  // The top level fits one tile and the cap is at least a tile, so some level is within the cap.
  const fullLevel = levels.find((level) => Math.max(level.width, level.height) <= cap) as PyramidLevel;
  const sizes = levels
    .slice(fullLevel.index)
    .map((level) => ({ width: level.width, height: level.height }))
    .reverse();
  return {
    width,
    height,
    tileSize,
    levels,
    fullLevel,
    full: { width: fullLevel.width, height: fullLevel.height },
    capped: fullLevel.index > 0,
    sizes,
  };
}

function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(
      `Expected integer between ${min} and ${max} for ${name} but received ${String(value)} of type ${typeof value}`,
      { field: name },
    );
  }
  return value;
}
