import type { PublishedImage } from '../../run/image-result.js';

export type JsonObject = { [key: string]: unknown };

export const IMAGE_2_CONTEXT = 'http://iiif.io/api/image/2/context.json';
export const IMAGE_3_CONTEXT = 'http://iiif.io/api/image/3/context.json';
export const IMAGE_2_LEVEL0 = 'http://iiif.io/api/image/2/level0.json';

/**
 * The image service of a published image, embedded in a painting annotation's body: it tells a
 * viewer that the image is tiled and where its info.json is (`{id}/info.json`).
 *
 * - Image API 3.0 service: `id`, `type: ImageService3`, `profile: level0`, dimensions, `sizes`, `tiles`
 *   (https://iiif.io/api/presentation/3.0/#service, https://iiif.io/api/image/3.0/#52-technical-properties).
 * - Image API 2.1 service: `@id`, `@type: ImageService2` (the 3.0 manifest's marker for a 2.x service),
 *   `profile` the level-0 compliance URI, dimensions, `sizes`, `tiles`.
 *
 * In a Presentation 2.1 manifest a service also carries its `@context` (2.1 §5.6 services).
 */
export function embeddedImageService(image: PublishedImage, presentationVersion: 2 | 3): JsonObject {
  const common = {
    width: image.width,
    height: image.height,
    ...(image.maxWidth === undefined ? {} : { maxWidth: image.maxWidth }),
    ...(image.maxHeight === undefined ? {} : { maxHeight: image.maxHeight }),
    sizes: image.sizes.map((size) => ({ width: size.width, height: size.height })),
    tiles: image.tiles.map((tile) => ({
      width: tile.width,
      height: tile.height,
      scaleFactors: [...tile.scaleFactors],
    })),
  };
  if (image.imageApiVersion === 3) {
    return {
      ...(presentationVersion === 2 ? { '@context': IMAGE_3_CONTEXT } : {}),
      id: image.serviceId,
      type: 'ImageService3',
      profile: 'level0',
      ...common,
    };
  }
  return {
    ...(presentationVersion === 2 ? { '@context': IMAGE_2_CONTEXT } : {}),
    '@id': image.serviceId,
    '@type': 'ImageService2',
    profile: IMAGE_2_LEVEL0,
    ...common,
  };
}
