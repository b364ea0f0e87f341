import type { Size } from '../../run/image-result.js';
import type { Pyramid } from './compute-pyramid.js';
import type { ImageApi } from './image-api.js';
import { levelOf, tileRegion } from './tile-region.js';

/**
 * The pixels of one published file: a tile of a level, or a whole level that spans several tiles
 * (`full/max` and the larger `sizes` entries). A whole level that fits one tile is that tile.
 */
export type FileContent =
  | { readonly kind: 'tile'; readonly level: number; readonly column: number; readonly row: number }
  | { readonly kind: 'level'; readonly level: number };

/** One distinct image and every path (relative to the service) it is published under. */
export interface TileSetEntry {
  readonly content: FileContent;
  readonly paths: readonly string[];
}

/**
 * Every file of a level-0 image service except info.json: each tile a viewer requests at every
 * level (under each name viewers use), `full/max` (2.1 also `full/full`) and a file per `sizes` entry.
 * Files with the same pixels are one entry with several paths, so each image is encoded once.
 * Tiles come first, level by level from full resolution; whole levels last.
 */
export function listTileSet(pyramid: Pyramid, api: ImageApi): TileSetEntry[] {
  const entries = new Map<string, { content: FileContent; paths: string[] }>();
  const owners = new Map<string, FileContent>();
  const add = (content: FileContent, path: string): void => {
    const owner = owners.get(path);
    if (owner !== undefined && contentKey(owner) !== contentKey(content)) {
      // Tiles of two levels can be the same request: at the right or bottom edge, a region one
      // pixel wide is one pixel at every scale. The same region at the same size is the same image;
      // the first (sharper) level serves it.
      const a = contentSize(pyramid, owner);
      const b = contentSize(pyramid, content);
      if (a.width === b.width && a.height === b.height) return;
      throw new Error(
        `Image API ${api.version} names two different images ${path} (${contentKey(owner)} and ${contentKey(content)})`,
      );
    }
    owners.set(path, content);
    const key = contentKey(content);
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = { content, paths: [] };
      entries.set(key, entry);
    }
    if (!entry.paths.includes(path)) entry.paths.push(path);
  };

  for (const level of pyramid.levels) {
    for (let row = 0; row < level.rows; row++) {
      for (let column = 0; column < level.columns; column++) {
        const content: FileContent = { kind: 'tile', level: level.index, column, row };
        for (const path of api.tilePaths(pyramid, content)) add(content, path);
      }
    }
  }
  for (const path of api.fullPaths()) add(wholeLevel(pyramid, pyramid.fullLevel.index), path);
  const sizeLevels = pyramid.levels.slice(pyramid.fullLevel.index);
  for (const level of sizeLevels) {
    add(wholeLevel(pyramid, level.index), api.sizePath({ width: level.width, height: level.height }));
  }
  return [...entries.values()];
}

/** Pixel size of a content. */
export function contentSize(pyramid: Pyramid, content: FileContent): Size {
  if (content.kind === 'level') {
    const level = levelOf(pyramid, content.level);
    return { width: level.width, height: level.height };
  }
  const region = tileRegion(pyramid, content);
  return { width: region.width, height: region.height };
}

/** The content of the whole image at a level: that level's only tile when it fits one. */
export function wholeLevel(pyramid: Pyramid, index: number): FileContent {
  const level = levelOf(pyramid, index);
  return level.columns === 1 && level.rows === 1
    ? { kind: 'tile', level: index, column: 0, row: 0 }
    : { kind: 'level', level: index };
}

/** A stable string for a content, e.g. `tile 2/1,0` or `level 0`. */
export function contentKey(content: FileContent): string {
  return content.kind === 'tile' ? `tile ${content.level}/${content.column},${content.row}` : `level ${content.level}`;
}
