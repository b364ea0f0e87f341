import type { Size } from '../../run/image-result.js';
import { fullImagePath, sizeImagePath } from '../image-paths.js';
import type { Pyramid } from './compute-pyramid.js';
import { type ImageApi, type ImageService3Info, requestPath } from './image-api.js';
import { type TileRef, tileRegion } from './tile-region.js';

/**
 * Image API 3.0, level 0. Tile names are canonical: region `x,y,w,h` (or `full` for the whole image),
 * size `w,h` (or `max` when that is the image's full size).
 */
export const imageApi3: ImageApi = {
  version: 3,
  infoContentType: 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"',

  tilePaths(pyramid: Pyramid, tile: TileRef): readonly string[] {
    const tr = tileRegion(pyramid, tile);
    const region = tr.wholeImage ? 'full' : `${tr.x},${tr.y},${tr.w},${tr.h}`;
    const size = tr.width === pyramid.width && tr.height === pyramid.height ? 'max' : `${tr.width},${tr.height}`;
    return [requestPath(region, size)];
  },

  fullPaths(): readonly string[] {
    return [fullImagePath(3)];
  },

  sizePath(size: Size): string {
    return sizeImagePath(3, size);
  },

  infoJson(pyramid: Pyramid, serviceId: string): ImageService3Info {
    return {
      '@context': 'http://iiif.io/api/image/3/context.json',
      id: serviceId,
      type: 'ImageService3',
      protocol: 'http://iiif.io/api/image',
      profile: 'level0',
      width: pyramid.width,
      height: pyramid.height,
      ...(pyramid.capped ? { maxWidth: pyramid.full.width, maxHeight: pyramid.full.height } : {}),
      sizes: pyramid.sizes.map((size) => ({ width: size.width, height: size.height })),
      tiles: [
        {
          width: pyramid.tileSize,
          height: pyramid.tileSize,
          scaleFactors: pyramid.levels.map((level) => level.scaleFactor),
        },
      ],
    };
  },
};
