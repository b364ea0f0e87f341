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
): Promise<PublishedService> {
  const info = JSON.parse((await storage.getBytes(bucket, `${serviceKey}/info.json`)).toString('utf8'));
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
  }
  return { info, files };
}
