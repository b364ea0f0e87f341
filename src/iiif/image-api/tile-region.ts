import type { Pyramid, PyramidLevel } from './compute-pyramid.js';

/** One tile of a pyramid: level, column and row (0-based). */
export interface TileRef {
  readonly level: number;
  readonly column: number;
  readonly row: number;
}

/**
 * A tile in Image API terms: the region of the full-resolution image it shows and the pixel size it is
 * delivered at. Follows the Image API 3.0 Appendix A tile calculation (and OpenSeadragon's
 * IIIFTileSource), with ceil rounding of partial tiles at the right and bottom edges.
 */
export interface TileRegion {
  /** Region in full-resolution pixels. */
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  /** `true` when the region is the whole image (the region parameter is then `full`). */
  readonly wholeImage: boolean;
  /** Delivered size in pixels. */
  readonly width: number;
  readonly height: number;
}

export function tileRegion(pyramid: Pyramid, tile: TileRef): TileRegion {
  const level = levelOf(pyramid, tile.level);
  if (!Number.isInteger(tile.column) || tile.column < 0 || tile.column >= level.columns) {
    throw new RangeError(`Expected column between 0 and ${level.columns - 1} at level ${level.index}`);
  }
  if (!Number.isInteger(tile.row) || tile.row < 0 || tile.row >= level.rows) {
    throw new RangeError(`Expected row between 0 and ${level.rows - 1} at level ${level.index}`);
  }
  const span = pyramid.tileSize * level.scaleFactor;
  const x = tile.column * span;
  const y = tile.row * span;
  const w = Math.min(span, pyramid.width - x);
  const h = Math.min(span, pyramid.height - y);
  return {
    x,
    y,
    w,
    h,
    wholeImage: x === 0 && y === 0 && w === pyramid.width && h === pyramid.height,
    width: Math.min(pyramid.tileSize, level.width - tile.column * pyramid.tileSize),
    height: Math.min(pyramid.tileSize, level.height - tile.row * pyramid.tileSize),
  };
}

export function levelOf(pyramid: Pyramid, index: number): PyramidLevel {
  const level = pyramid.levels[index];
  if (level === undefined) {
    throw new RangeError(`Expected level between 0 and ${pyramid.levels.length - 1} but received ${index}`);
  }
  return level;
}
