import sharp from 'sharp';
import { expect } from 'vitest';
import type { Storage } from '../../../src/storage/storage.js';
import { allViewerRequests } from '../../iiif/image-api/helpers/openseadragon-requests.js';

export interface PublishedService {
  readonly info: Record<string, unknown> & { width: number; height: number };
  /** Paths relative to the service, info.json included. */
  readonly files: readonly string[];
}

/**
 * Check a published level-0 service the way a viewer would use it: every URL OpenSeadragon asks for
 * at every level (from its own IIIFTileSource), every canonical tile name, `full/max` and every
 * `sizes` entry exist and decode as JPEGs of the expected size; nothing else is there.
 */
export async function checkPublishedService(
  storage: Storage,
  bucket: string,
  serviceKey: string,
  /** The source image (as displayed): each file's pixels are compared with its region of it. */
  source?: Buffer,
): Promise<PublishedService> {
  const info = JSON.parse((await storage.getBytes(bucket, `${serviceKey}/info.json`)).toString('utf8'));
  const reference = source === undefined ? undefined : await decodeReference(source);
  const files: string[] = [];
  for await (const object of storage.list(bucket, `${serviceKey}/`))
    files.push(object.key.slice(serviceKey.length + 1));
  const requests = allViewerRequests(info);
  const missing = [...requests.keys()].filter((path) => !files.includes(path));
  expect(missing, `files viewers ask for but missing under ${serviceKey}`).toEqual([]);
  const extra = files.filter((path) => path !== 'info.json' && !requests.has(path));
  expect(extra, `files under ${serviceKey} that no viewer asks for`).toEqual([]);
  for (const request of requests.values()) {
    const bytes = await storage.getBytes(bucket, `${serviceKey}/${request.path}`);
    const metadata = await sharp(bytes).metadata();
    expect(
      { format: metadata.format, width: metadata.width, height: metadata.height },
      `${request.path} (${request.origin})`,
    ).toEqual({ format: 'jpeg', width: request.width, height: request.height });
    if (reference !== undefined) {
      const difference = await differenceFromSource(reference, request, bytes);
      expect(difference, `${request.path}: mean difference from its region of the source`).toBeLessThan(8);
    }
  }
  return { info, files };
}

interface RawImage {
  readonly data: Buffer;
  readonly info: { width: number; height: number; channels: 3 };
}

/** The source as displayed, as raw sRGB pixels. */
async function decodeReference(source: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(source)
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, info: { width: info.width, height: info.height, channels: 3 } };
}

/**
 * Mean absolute difference (0-255) between a published file and what its request means: the
 * region of the source, scaled to the file's size. Both are compared at a quarter of that size, so
 * that JPEG noise and resampling details (one lanczos step per level against one direct reduction)
 * do not count, while a tile cut from the wrong place still differs by tens.
 */
async function differenceFromSource(
  reference: RawImage,
  /** The request, whose size the published file has (checked before). */
  request: { readonly path: string; readonly width: number; readonly height: number },
  published: Buffer,
): Promise<number> {
  const region = request.path.split('/')[0] as string;
  const size = {
    width: Math.max(1, Math.round(request.width / 4)),
    height: Math.max(1, Math.round(request.height / 4)),
  };
  const actual = await sharp(published)
    .toColourspace('srgb')
    .resize(size.width, size.height, { fit: 'fill' })
    .raw()
    .toBuffer();
  let expected = sharp(reference.data, { raw: reference.info });
  if (region !== 'full') {
    const [left, top, width, height] = region.split(',').map(Number) as [number, number, number, number];
    // extract() before resize(): the region is cut from the source, then scaled.
    expected = expected.extract({ left, top, width, height });
  }
  const pixels = await expected.resize(size.width, size.height, { fit: 'fill' }).raw().toBuffer();
  let sum = 0;
  for (let index = 0; index < pixels.length; index++) {
    sum += Math.abs((pixels[index] as number) - (actual[index] as number));
  }
  return sum / pixels.length;
}
