import { isDeepStrictEqual } from 'node:util';
import { errorMessage } from '../../errors.js';
import { computePyramid, type Pyramid } from './compute-pyramid.js';
import type { ImageApi } from './image-api.js';
import { imageApiFor } from './image-api-for.js';
import { listTileSet } from './list-tile-set.js';

/** A published info.json as a level-0 service: what it declares and every file it implies. */
export interface ServiceInfo {
  readonly api: ImageApi;
  readonly pyramid: Pyramid;
  /** The info.json `id` (2.1: `@id`). */
  readonly id: string;
  /**
   * Every path (relative to the service) a viewer derives from this info.json: each tile of each
   * scale factor under every name viewers use, `full/max` (2.1 also `full/full`), each `sizes`
   * entry. The same list the tiler publishes (`listTileSet`): one derivation for both.
   */
  readonly paths: readonly string[];
}

/**
 * Read an info.json the way a viewer does and check it is a level-0 service as the Image API (3.0
 * or 2.1) and this tool define it: the pyramid is rebuilt from its `width`, `height`, tile size and
 * `maxWidth`/`maxHeight`, and the info.json must be exactly the one that pyramid gives (so its
 * `tiles.scaleFactors` and `sizes` name the files that exist, no more, no fewer).
 *
 * @returns the service, or why the document is not one
 */
export function readServiceInfo(document: unknown): ServiceInfo | { readonly problem: string } {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { problem: 'info.json is not a JSON object' };
  }
  const info = document as Record<string, unknown>;
  const context = info['@context'];
  const version =
    context === 'http://iiif.io/api/image/3/context.json'
      ? 3
      : context === 'http://iiif.io/api/image/2/context.json'
        ? 2
        : undefined;
  if (version === undefined) {
    return { problem: `info.json "@context" is ${JSON.stringify(context)}, not the Image API 3 or 2 context` };
  }
  const api = imageApiFor(version);
  const id = version === 3 ? info.id : info['@id'];
  if (typeof id !== 'string') return { problem: `info.json has no ${version === 3 ? '"id"' : '"@id"'}` };
  const tiles = Array.isArray(info.tiles) ? (info.tiles[0] as Record<string, unknown> | undefined) : undefined;
  const limits = (version === 3 ? info : Array.isArray(info.profile) ? info.profile[1] : undefined) as
    | Record<string, unknown>
    | undefined;
  const width = info.width;
  const height = info.height;
  const capped = typeof limits?.maxWidth === 'number' && typeof limits.maxHeight === 'number';
  let pyramid: Pyramid;
  try {
    if (typeof width !== 'number' || typeof height !== 'number') throw new Error('no numeric width and height');
    if (typeof tiles?.width !== 'number') throw new Error('no tiles[0].width');
    pyramid = computePyramid({
      width,
      height,
      tileSize: tiles.width,
      fullMaxSize: capped ? Math.max(limits.maxWidth as number, limits.maxHeight as number) : Math.max(width, height),
    });
  } catch (error) {
    return { problem: `info.json does not describe a level-0 service: ${errorMessage(error)}` };
  }
  const expected = api.infoJson(pyramid, id) as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(expected), ...Object.keys(info)])) {
    if (!isDeepStrictEqual(info[key], expected[key])) {
      return {
        problem: `info.json "${key}" is ${JSON.stringify(info[key]) ?? 'missing'} but a level-0 service of ${width}x${height} with tiles of ${tiles.width} has ${JSON.stringify(expected[key]) ?? 'none'}`,
      };
    }
  }
  const paths = listTileSet(pyramid, api).flatMap((entry) => entry.paths);
  return { api, pyramid, id, paths };
}
