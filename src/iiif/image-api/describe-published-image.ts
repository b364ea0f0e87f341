import type { PublishedImage } from '../../run/image-result.js';
import type { Pyramid } from './compute-pyramid.js';
import type { ImageApi } from './image-api.js';

/** What a manifest needs to know about a published service, from its pyramid (no image read). */
export function describePublishedImage(
  pyramid: Pyramid,
  api: ImageApi,
  service: { readonly key: string; readonly id: string },
): PublishedImage {
  return {
    serviceKey: service.key,
    serviceId: service.id,
    imageApiVersion: api.version,
    width: pyramid.width,
    height: pyramid.height,
    sizes: pyramid.sizes.map((size) => ({ width: size.width, height: size.height })),
    tiles: [
      {
        width: pyramid.tileSize,
        height: pyramid.tileSize,
        scaleFactors: pyramid.levels.map((level) => level.scaleFactor),
      },
    ],
    full: { width: pyramid.full.width, height: pyramid.full.height },
    ...(pyramid.capped ? { maxWidth: pyramid.full.width, maxHeight: pyramid.full.height } : {}),
    format: 'image/jpeg',
  };
}
