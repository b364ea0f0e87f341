import sharp from 'sharp';
import type { Pyramid } from '../iiif/image-api/compute-pyramid.js';
import { type FileContent, wholeLevel } from '../iiif/image-api/list-tile-set.js';
import { imageQc } from './image-flags.js';
import type { ImageQc } from './image-qc.js';
import { measureImage } from './measure-image.js';

/**
 * The published file QC measures: the smallest level of the pyramid (one tile, at most a tile's
 * size a side), which the tiler renders anyway. Measuring it costs one decode of a small JPEG.
 */
export function qcContentOf(pyramid: Pyramid): FileContent {
  return wholeLevel(pyramid, pyramid.levels.length - 1);
}

/**
 * Decode the JPEG rendered for `qcContentOf` and measure it (see `measureImage`). The measurement
 * is of the published pixels, so two sources with the same pixels hash the same.
 */
export async function measureRenderedLevel(jpeg: Buffer): Promise<ImageQc> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return imageQc(measureImage({ data, width: info.width, height: info.height, channels: info.channels }));
}
