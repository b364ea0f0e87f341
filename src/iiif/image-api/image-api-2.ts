import type { Size } from '../../run/image-result.js';
import { fullImagePath, sizeImagePath } from '../image-paths.js';
import type { Pyramid } from './compute-pyramid.js';
import { type ImageApi, type ImageService2Info, requestPath } from './image-api.js';
import { type TileRef, tileRegion } from './tile-region.js';

/**
 * Image API 2.1, level 0. Tile names use the `w,` size syntax; `full` size for a full-resolution
 * whole-image request, also published as `max` (2.1 allows both; OpenSeadragon 2.4, which Mirador 3
 * and Universal Viewer 4 ship, asks for `full/max` when the image fits one tile). A partial-image
 * tile whose delivered width equals the image width (every full-resolution tile of an image no
 * wider than one tile) is also published as `x,y,w,h/full/0/default.jpg` and
 * `x,y,w,h/max/0/default.jpg`: OpenSeadragon 6 asks for `full` there, 2.4 for `max`.
 */
export const imageApi2: ImageApi = {
  version: 2,
  infoContentType: 'application/ld+json;profile="http://iiif.io/api/image/2/context.json"',

  tilePaths(pyramid: Pyramid, tile: TileRef): readonly string[] {
    const tr = tileRegion(pyramid, tile);
    const region = tr.wholeImage ? 'full' : `${tr.x},${tr.y},${tr.w},${tr.h}`;
    const fullResolution = tr.wholeImage && tr.width === pyramid.width && tr.height === pyramid.height;
    if (fullResolution) return [requestPath(region, 'full'), requestPath(region, 'max')];
    const paths = [requestPath(region, `${tr.width},`)];
    // Not for the whole image at a reduced level: there `full/full` is the full-resolution image.
    if (tr.width === pyramid.width && !tr.wholeImage) {
      paths.push(requestPath(region, 'full'), requestPath(region, 'max'));
    }
    return paths;
  },

  fullPaths(): readonly string[] {
    return [fullImagePath(2), requestPath('full', 'max')];
  },

  sizePath(size: Size): string {
    return sizeImagePath(2, size);
  },

  infoJson(pyramid: Pyramid, serviceId: string): ImageService2Info {
    return {
      '@context': 'http://iiif.io/api/image/2/context.json',
      '@id': serviceId,
      protocol: 'http://iiif.io/api/image',
      width: pyramid.width,
      height: pyramid.height,
      profile: [
        'http://iiif.io/api/image/2/level0.json',
        {
          formats: ['jpg'],
          qualities: ['default'],
          ...(pyramid.capped ? { maxWidth: pyramid.full.width, maxHeight: pyramid.full.height } : {}),
        },
      ],
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
