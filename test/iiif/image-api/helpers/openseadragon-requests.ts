import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';

/**
 * What a viewer asks a level-0 image service for, derived independently of the tiler:
 * - tile URLs come from OpenSeadragon's own `IIIFTileSource` (the installed npm packages of 2.4 and
 *   of the current release, run in a sandbox with a minimal DOM stub), for every tile of every level
 *   it knows from info.json;
 * - the pixel size each request must have comes from the Image API 3.0 Appendix A tile formulas
 *   (ceil rounding of partial tiles);
 * - `full/max` (2.1: also `full/full`) and every `sizes` entry come from the spec's URI syntax.
 */
export interface ViewerRequest {
  /** Path relative to the service id, e.g. `0,0,512,512/512,512/0/default.jpg`. */
  readonly path: string;
  readonly width: number;
  readonly height: number;
  /** Where the request comes from, for messages. */
  readonly origin: string;
}

interface OsdTileSource {
  minLevel: number;
  maxLevel: number;
  getNumTiles(level: number): { x: number; y: number };
  getTileUrl(level: number, x: number, y: number): string;
}

interface OsdGlobal {
  version: { versionStr: string; major: number; minor: number };
  IIIFTileSource: {
    new (options: unknown): OsdTileSource;
    prototype: { configure(data: unknown, url: string): unknown };
  };
}

/**
 * The OpenSeadragon releases requests are derived from (package names in node_modules): 2.4, the
 * release Mirador 3 and Universal Viewer 4 ship (it asks 2.1 services for `full/max` where a level
 * fits one tile), and the current one.
 */
export const OPENSEADRAGON_RELEASES = ['openseadragon-2.4', 'openseadragon'] as const;
export type OpenSeadragonRelease = (typeof OPENSEADRAGON_RELEASES)[number];

const loaded = new Map<OpenSeadragonRelease, OsdGlobal>();

/** One OpenSeadragon release from node_modules (default: the current one), loaded once into a sandbox. */
export function openSeadragon(release: OpenSeadragonRelease = 'openseadragon'): OsdGlobal {
  const cached = loaded.get(release);
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve(`${release}/package.json`);
  const path = packageJson.replace(/package\.json$/, 'build/openseadragon/openseadragon.js');
  const code = readFileSync(path, 'utf8');
  const noop = (): void => undefined;
  const element = (): Record<string, unknown> => ({
    style: {},
    appendChild: noop,
    setAttribute: noop,
    addEventListener: noop,
    removeEventListener: noop,
    getContext: () => null,
    classList: { add: noop, remove: noop },
  });
  const document = {
    documentElement: { style: {}, addEventListener: noop, removeEventListener: noop },
    createElement: element,
    getElementsByTagName: () => [],
    addEventListener: noop,
    removeEventListener: noop,
    body: element(),
    readyState: 'complete',
  };
  const window: Record<string, unknown> = {
    document,
    navigator: { userAgent: 'node', appVersion: 'node', appName: 'Netscape' },
    location: { href: 'http://localhost/', protocol: 'http:', search: '' },
    addEventListener: noop,
    removeEventListener: noop,
    setTimeout,
    clearTimeout,
    console: { log: noop, debug: noop, info: noop, warn: noop, error: noop, assert: noop },
  };
  window.window = window;
  window.self = window;
  const context = vm.createContext(window);
  vm.runInContext(code, context, { filename: path });
  const osd = (context as unknown as { OpenSeadragon: OsdGlobal }).OpenSeadragon;
  loaded.set(release, osd);
  return osd;
}

interface InfoLike {
  '@context': string;
  id?: string;
  '@id'?: string;
  width: number;
  height: number;
  maxWidth?: number;
  maxHeight?: number;
  profile: unknown;
  sizes?: { width: number; height: number }[];
  tiles?: { width: number; height?: number; scaleFactors: number[] }[];
}

/**
 * Every tile request one OpenSeadragon release makes for an info.json (at every level), with its
 * expected size.
 */
export function openSeadragonTileRequests(
  info: InfoLike,
  release: OpenSeadragonRelease = 'openseadragon',
): ViewerRequest[] {
  const osd = openSeadragon(release);
  const id = info.id ?? info['@id'];
  if (id === undefined) throw new Error('info.json has no id');
  // OpenSeadragon mutates what it is given: hand it a copy.
  const data = osd.IIIFTileSource.prototype.configure(JSON.parse(JSON.stringify(info)), `${id}/info.json`);
  const source = new osd.IIIFTileSource(data);
  const tile = info.tiles?.[0];
  if (tile === undefined) throw new Error('info.json has no tiles');
  const tileWidth = tile.width;
  const tileHeight = tile.height ?? tile.width;
  const requests: ViewerRequest[] = [];
  for (let level = source.minLevel; level <= source.maxLevel; level++) {
    const count = source.getNumTiles(level);
    const scale = 2 ** (source.maxLevel - level);
    for (let y = 0; y < count.y; y++) {
      for (let x = 0; x < count.x; x++) {
        const url = source.getTileUrl(level, x, y);
        if (!url.startsWith(`${id}/`)) throw new Error(`OpenSeadragon asked for ${url}, outside ${id}`);
        // Image API 3.0 Appendix A: region xr,yr and size ws,hs of tile (x, y) at scale factor s.
        const xr = x * tileWidth * scale;
        const yr = y * tileHeight * scale;
        const width = xr + tileWidth * scale > info.width ? Math.ceil((info.width - xr) / scale) : tileWidth;
        const height = yr + tileHeight * scale > info.height ? Math.ceil((info.height - yr) / scale) : tileHeight;
        requests.push({
          path: url.slice(id.length + 1),
          width,
          height,
          origin: `OpenSeadragon ${osd.version.versionStr} level ${level} tile ${x},${y}`,
        });
      }
    }
  }
  return requests;
}

/**
 * The canonical name of every tile implied by info.json `tiles` (Image API 3.0 / 2.1.1, Appendix A
 * and "Canonical URI Syntax"): region `x,y,w,h` (`full` for the whole image), size `w,h` in 3.0 and
 * `w,` in 2.1 (`max` / `full` for the whole image at full size). Clients other than OpenSeadragon
 * (Leaflet-IIIF, OpenLayers, libvips' own layout) use these names.
 */
export function canonicalTileRequests(info: InfoLike): ViewerRequest[] {
  const v3 = info['@context'] === 'http://iiif.io/api/image/3/context.json';
  const requests: ViewerRequest[] = [];
  for (const tile of info.tiles ?? []) {
    const tileWidth = tile.width;
    const tileHeight = tile.height ?? tile.width;
    for (const scale of tile.scaleFactors) {
      const columns = Math.ceil(info.width / (tileWidth * scale));
      const rows = Math.ceil(info.height / (tileHeight * scale));
      for (let m = 0; m < rows; m++) {
        for (let n = 0; n < columns; n++) {
          const xr = n * tileWidth * scale;
          const yr = m * tileHeight * scale;
          const wr = Math.min(tileWidth * scale, info.width - xr);
          const hr = Math.min(tileHeight * scale, info.height - yr);
          const ws = xr + tileWidth * scale > info.width ? Math.ceil((info.width - xr) / scale) : tileWidth;
          const hs = yr + tileHeight * scale > info.height ? Math.ceil((info.height - yr) / scale) : tileHeight;
          const whole = xr === 0 && yr === 0 && wr === info.width && hr === info.height;
          const region = whole ? 'full' : `${xr},${yr},${wr},${hr}`;
          const fullSize = whole && ws === info.width && hs === info.height;
          const size = fullSize ? (v3 ? 'max' : 'full') : v3 ? `${ws},${hs}` : `${ws},`;
          requests.push({
            path: `${region}/${size}/0/default.jpg`,
            width: ws,
            height: hs,
            origin: `canonical tile ${n},${m} at scale factor ${scale}`,
          });
        }
      }
    }
  }
  return requests;
}

/**
 * `full/max` and every `sizes` entry, as the spec names them; for 2.1 also `full/full`, the 2.0 name
 * of the whole image that 2.1 keeps (a 2.1 client may use either).
 */
export function wholeImageRequests(info: InfoLike): ViewerRequest[] {
  const v3 = info['@context'] === 'http://iiif.io/api/image/3/context.json';
  const profile = Array.isArray(info.profile) ? (info.profile[1] as { maxWidth?: number; maxHeight?: number }) : {};
  const maxWidth = v3 ? info.maxWidth : profile?.maxWidth;
  const maxHeight = v3 ? info.maxHeight : profile?.maxHeight;
  const full =
    maxWidth === undefined
      ? { width: info.width, height: info.height }
      : { width: maxWidth, height: maxHeight ?? maxWidth };
  const requests: ViewerRequest[] = [{ path: 'full/max/0/default.jpg', ...full, origin: 'full size (max)' }];
  if (!v3) requests.push({ path: 'full/full/0/default.jpg', ...full, origin: 'full size (2.1 full)' });
  for (const size of info.sizes ?? []) {
    requests.push({
      path: v3 ? `full/${size.width},${size.height}/0/default.jpg` : `full/${size.width},/0/default.jpg`,
      width: size.width,
      height: size.height,
      origin: `sizes entry ${size.width}x${size.height}`,
    });
  }
  return requests;
}

/**
 * Everything a viewer may ask for, by path: the tile requests of every OpenSeadragon release, the
 * canonical tile names and the whole-image files. A path asked for twice must have one size.
 */
export function allViewerRequests(info: InfoLike): Map<string, ViewerRequest> {
  const byPath = new Map<string, ViewerRequest>();
  const requests = [
    ...OPENSEADRAGON_RELEASES.flatMap((release) => openSeadragonTileRequests(info, release)),
    ...canonicalTileRequests(info),
    ...wholeImageRequests(info),
  ];
  for (const request of requests) {
    const seen = byPath.get(request.path);
    if (seen !== undefined && (seen.width !== request.width || seen.height !== request.height)) {
      throw new Error(
        `${request.path} is asked for as ${seen.width}x${seen.height} (${seen.origin}) and as ` +
          `${request.width}x${request.height} (${request.origin})`,
      );
    }
    byPath.set(request.path, seen ?? request);
  }
  return byPath;
}
