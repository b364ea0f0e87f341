import type { PublishedImage, Size } from '../../run/image-result.js';
import { fullImagePath, sizeImagePath } from '../image-paths.js';
import type { Thumbnail } from './presentation-model.js';

/** Thumbnails aim for this many pixels on the longer side, or the nearest larger published size. */
export const THUMBNAIL_TARGET = 300;

/**
 * A thumbnail for a published image: the smallest `sizes` entry whose longer side reaches
 * `THUMBNAIL_TARGET`, or the largest entry when all are smaller, or the `full` file when the service
 * lists no sizes. Every choice is a file the tiler wrote (see `sizeImagePath`), so it never 404s.
 */
export function chooseThumbnail(image: PublishedImage, target = THUMBNAIL_TARGET): Thumbnail {
  const sizes = [...image.sizes].sort((a, b) => a.width * a.height - b.width * b.height);
  const longer = (size: Size): number => Math.max(size.width, size.height);
  const size = sizes.find((candidate) => longer(candidate) >= target) ?? sizes.at(-1);
  if (size === undefined) {
    return {
      id: `${image.serviceId}/${fullImagePath(image.imageApiVersion)}`,
      width: image.full.width,
      height: image.full.height,
      format: image.format,
    };
  }
  return {
    id: `${image.serviceId}/${sizeImagePath(image.imageApiVersion, size)}`,
    width: size.width,
    height: size.height,
    format: image.format,
  };
}
