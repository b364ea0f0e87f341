import type { ImageQc } from '../qc/image-qc.js';
import type { PublishedImage } from '../run/image-result.js';
import type { StateLocation } from '../run/run-records.js';
import type { RunWarning } from '../run/run-warning.js';
import { getJsonIfExists, putJson, type Storage } from '../storage/storage.js';
import { joinKey } from '../task/task.js';

/**
 * Bumped whenever the tiler's output changes for the same source and settings, so images
 * published by an older tiler are retiled once.
 */
export const RENDERER_VERSION = 1;

/** What a published image was made from: if all of it matches, the image need not be tiled again. */
export interface PublishFingerprint {
  readonly sourceEtag: string;
  readonly sourceBytes: number;
  readonly tileSize: number;
  readonly jpegQuality: number;
  readonly imageApiVersion: 2 | 3;
  readonly fullMaxSize: number;
  /** info.json `id`: changes with DEST_URL. */
  readonly serviceId: string;
  readonly renderer: number;
  /**
   * Image API 2.1 services only: which names their files are published under. 2 since `full/max`
   * (and `max` for tiles as wide as the image) is published beside `full/full`; markers without it
   * are of services that lack those names, and are retiled once. (Absent for 3.0, so 3.0 services
   * are not retiled for it.)
   */
  readonly imageApi2Names?: number;
  /** PDF pages only: the PDF_DPI they were rendered at. */
  readonly pdfDpi?: number;
}

/** The current `imageApi2Names`. */
export const IMAGE_API_2_NAMES = 2;

/**
 * `{state.prefix}/published/{destBucket}/{serviceKey}.json` in the state bucket: written once the
 * whole service is published (info.json last, then the files of an earlier publication removed),
 * and withdrawn before the service is published again. A rerun still trusts it only after checking
 * the service (`checkResumeMarker`): files can be lost after publication.
 */
export interface PublishedMarker {
  readonly fingerprint: PublishFingerprint;
  readonly image: PublishedImage;
  /** QC measurement made when it was tiled, so a skipped image keeps its flags. */
  readonly qc?: ImageQc;
  /** The warnings publishing it gave (repeated in the results of runs that skip it). */
  readonly warnings?: readonly RunWarning[];
  readonly sourceKey: string;
  readonly publishedAt: string;
  readonly tileCount: number;
  readonly bytes: number;
}

export function publishedMarkerKey(state: StateLocation, destBucket: string, serviceKey: string): string {
  return joinKey(state.prefix, 'published', destBucket, `${serviceKey}.json`);
}

/** The marker of a service, or `undefined` when there is none or it cannot be parsed. */
export async function readPublishedMarker(
  storage: Storage,
  state: StateLocation,
  destBucket: string,
  serviceKey: string,
): Promise<PublishedMarker | undefined> {
  try {
    return await getJsonIfExists<PublishedMarker>(
      storage,
      state.bucket,
      publishedMarkerKey(state, destBucket, serviceKey),
    );
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export async function writePublishedMarker(
  storage: Storage,
  state: StateLocation,
  destBucket: string,
  marker: PublishedMarker,
): Promise<void> {
  await putJson(storage, state.bucket, publishedMarkerKey(state, destBucket, marker.image.serviceKey), marker);
}

/**
 * Remove a service's marker before the service is published again: while its files change, no
 * marker may claim it is complete (a crash part-way leaves it unmarked, so it is tiled again).
 */
export async function withdrawPublishedMarker(
  storage: Storage,
  state: StateLocation,
  destBucket: string,
  serviceKey: string,
): Promise<void> {
  await storage.delete(state.bucket, publishedMarkerKey(state, destBucket, serviceKey));
}

export function sameFingerprint(a: PublishFingerprint | undefined, b: PublishFingerprint): boolean {
  if (a === undefined) return false;
  return (Object.keys(b) as (keyof PublishFingerprint)[]).every((key) => a[key] === b[key]);
}
