import type { Size } from '../../run/image-result.js';
import type { Pyramid } from './compute-pyramid.js';
import type { TileRef } from './tile-region.js';

/** info.json `tiles` entry. */
export interface TileInfo {
  readonly width: number;
  readonly height: number;
  readonly scaleFactors: readonly number[];
}

/** Image API 3.0 image information (https://iiif.io/api/image/3.0/#5-image-information). */
export interface ImageService3Info {
  readonly '@context': 'http://iiif.io/api/image/3/context.json';
  readonly id: string;
  readonly type: 'ImageService3';
  readonly protocol: 'http://iiif.io/api/image';
  readonly profile: 'level0';
  readonly width: number;
  readonly height: number;
  readonly maxWidth?: number;
  readonly maxHeight?: number;
  readonly sizes: readonly Size[];
  readonly tiles: readonly TileInfo[];
}

/** Image API 2.1 profile description (https://iiif.io/api/image/2.1/#profile-description). */
export interface ImageService2Profile {
  readonly formats: readonly string[];
  readonly qualities: readonly string[];
  readonly maxWidth?: number;
  readonly maxHeight?: number;
}

/** Image API 2.1 image information (https://iiif.io/api/image/2.1/#image-information). */
export interface ImageService2Info {
  readonly '@context': 'http://iiif.io/api/image/2/context.json';
  readonly '@id': string;
  readonly protocol: 'http://iiif.io/api/image';
  readonly width: number;
  readonly height: number;
  readonly profile: readonly ['http://iiif.io/api/image/2/level0.json', ImageService2Profile];
  readonly sizes: readonly Size[];
  readonly tiles: readonly TileInfo[];
}

export type ImageServiceInfo = ImageService3Info | ImageService2Info;

/**
 * What differs between Image API versions, behind one interface: how requests are named and what
 * info.json says. Everything else (the pyramid, which files exist) is shared.
 */
export interface ImageApi {
  readonly version: 2 | 3;
  /** Media type of info.json. */
  readonly infoContentType: string;
  /**
   * Every path, relative to the service, under which viewers request this tile: the canonical name
   * and any other name a viewer builds for the same pixels (OpenSeadragon's 2.1 `full` and `max`
   * sizes for tiles as wide as the image). The first is the canonical one.
   */
  tilePaths(pyramid: Pyramid, tile: TileRef): readonly string[];
  /**
   * Every name of the whole image at its largest published size, the canonical one first:
   * `full/max/0/default.jpg` (2.1: `full/full/0/default.jpg` and `full/max/0/default.jpg`).
   */
  fullPaths(): readonly string[];
  /** The file of one `sizes` entry. */
  sizePath(size: Size): string;
  /** The info.json document of the service with this `id` (2.1: `@id`). */
  infoJson(pyramid: Pyramid, serviceId: string): ImageServiceInfo;
}

/** The tile JPEG's path for one region and size parameter. */
export function requestPath(region: string, size: string): string {
  return `${region}/${size}/0/default.jpg`;
}
