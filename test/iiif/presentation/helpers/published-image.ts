import type { PublishedImage, Size } from '../../../../src/run/image-result.js';

/**
 * A `PublishedImage` as the tiler describes a level-0 service: `sizes` every `ceil(W/2^k) × ceil(H/2^k)`
 * from one tile up to the full file, tiles with scale factors up to the level that fits one tile.
 */
export function publishedImage(options: {
  serviceId: string;
  width: number;
  height: number;
  version?: 2 | 3;
  tileSize?: number;
  /** Longest side of `full` when capped (maxWidth/maxHeight). */
  fullMax?: number;
}): PublishedImage {
  const { width, height } = options;
  const tileSize = options.tileSize ?? 512;
  const scaleFactors: number[] = [];
  for (let factor = 1; ; factor *= 2) {
    scaleFactors.push(factor);
    if (Math.ceil(width / factor) <= tileSize && Math.ceil(height / factor) <= tileSize) break;
  }
  const fullScale = options.fullMax === undefined ? 1 : Math.max(1, Math.max(width, height) / options.fullMax);
  const full: Size = { width: Math.round(width / fullScale), height: Math.round(height / fullScale) };
  const sizes: Size[] = [];
  for (const factor of [...scaleFactors].reverse()) {
    const size = { width: Math.ceil(width / factor), height: Math.ceil(height / factor) };
    if (size.width <= full.width && size.height <= full.height) sizes.push(size);
  }
  const last = sizes.at(-1);
  if (last === undefined || last.width !== full.width) sizes.push(full);
  const capped = fullScale > 1;
  const key = new URL(options.serviceId).pathname.slice(1);
  return {
    serviceKey: decodeURIComponent(key),
    serviceId: options.serviceId,
    imageApiVersion: options.version ?? 3,
    width,
    height,
    sizes,
    tiles: [{ width: tileSize, height: tileSize, scaleFactors }],
    full,
    ...(capped ? { maxWidth: full.width, maxHeight: full.height } : {}),
    format: 'image/jpeg',
  };
}
