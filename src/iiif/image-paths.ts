import type { Size } from '../run/image-result.js';

/**
 * Paths, relative to an image service, of the whole-image files a level-0 service publishes.
 * Tiler and manifest builder both use these, so a manifest never points at a file that is not there.
 */

/** The whole image at its largest published size: `full/max/0/default.jpg` (2.1: `full/full/...`). */
export function fullImagePath(version: 2 | 3): string {
  return version === 3 ? 'full/max/0/default.jpg' : 'full/full/0/default.jpg';
}

/** The file for one `sizes` entry: `full/w,h/0/default.jpg` (2.1: `full/w,/0/default.jpg`). */
export function sizeImagePath(version: 2 | 3, size: Size): string {
  return version === 3 ? `full/${size.width},${size.height}/0/default.jpg` : `full/${size.width},/0/default.jpg`;
}
