import { describe, expect, it } from 'vitest';
import { computePyramid, type Pyramid } from '../../../src/iiif/image-api/compute-pyramid.js';
import { imageApiFor } from '../../../src/iiif/image-api/image-api-for.js';
import { type FileContent, listTileSet } from '../../../src/iiif/image-api/list-tile-set.js';
import { IMAGE_SHAPES } from './helpers/image-shapes.js';
import {
  allViewerRequests,
  OPENSEADRAGON_RELEASES,
  openSeadragon,
  openSeadragonTileRequests,
  wholeImageRequests,
} from './helpers/openseadragon-requests.js';

const SERVICE_ID = 'https://iiif.example.org/coll/item%201/page_001';

/** Pixel size of a file's content, straight from the level arithmetic (ceil at every level). */
function contentSize(pyramid: Pyramid, content: FileContent): { width: number; height: number } {
  const scale = 2 ** content.level;
  const levelWidth = Math.ceil(pyramid.width / scale);
  const levelHeight = Math.ceil(pyramid.height / scale);
  if (content.kind === 'level') return { width: levelWidth, height: levelHeight };
  return {
    width: Math.min(pyramid.tileSize, levelWidth - content.column * pyramid.tileSize),
    height: Math.min(pyramid.tileSize, levelHeight - content.row * pyramid.tileSize),
  };
}

const SETTINGS = [
  { tileSize: 512, fullMaxSize: 10000 },
  { tileSize: 256, fullMaxSize: 2000 },
];

describe('Function: listTileSet, judged by OpenSeadragon', () => {
  it('loads the OpenSeadragon releases it judges by: 2.4 (Mirador 3, Universal Viewer 4) and >= 6', () => {
    // Act
    const old = openSeadragon('openseadragon-2.4');
    const current = openSeadragon('openseadragon');

    // Assess
    expect(old.version.versionStr).toBe('2.4.2');
    expect(current.version.major).toBeGreaterThanOrEqual(6);
  });

  it('knows OpenSeadragon 2.4 asks a 2.1 service smaller than one tile for full/max', () => {
    // Prepare
    const pyramid = computePyramid({ width: 90, height: 56, tileSize: 512, fullMaxSize: 10000 });
    const info = imageApiFor(2).infoJson(pyramid, SERVICE_ID);

    // Act
    const asked = openSeadragonTileRequests(info as never, 'openseadragon-2.4').map((request) => request.path);
    const published = listTileSet(pyramid, imageApiFor(2)).flatMap((entry) => entry.paths);

    // Assess
    expect(asked).toContain('full/max/0/default.jpg');
    expect(published).toEqual(expect.arrayContaining(['full/max/0/default.jpg', 'full/full/0/default.jpg']));
  });

  for (const version of [3, 2] as const) {
    for (const settings of SETTINGS) {
      for (const shape of IMAGE_SHAPES) {
        it(`publishes every file a viewer asks for and nothing else: v${version}, ${shape.label} ${shape.width}x${shape.height}, tile ${settings.tileSize}, cap ${settings.fullMaxSize}`, () => {
          // Prepare
          const pyramid = computePyramid({ width: shape.width, height: shape.height, ...settings });
          const api = imageApiFor(version);

          // Act
          const info = api.infoJson(pyramid, SERVICE_ID);
          const entries = listTileSet(pyramid, api);

          // Assess
          const published = new Map<string, { width: number; height: number }>();
          for (const entry of entries) {
            for (const path of entry.paths) {
              expect(published.has(path), `${path} listed twice`).toBe(false);
              published.set(path, contentSize(pyramid, entry.content));
            }
          }
          const requests = allViewerRequests(info as never);
          for (const request of requests.values()) {
            expect(published.get(request.path), `${request.origin}: ${request.path}`).toEqual({
              width: request.width,
              height: request.height,
            });
          }
          for (const path of published.keys()) {
            expect(requests.has(path), `${path} is published but no viewer asks for it`).toBe(true);
          }
          if (version === 3) {
            // 3.0 names are canonical: OpenSeadragon's requests and the whole-image files are all of it.
            const asked = new Set([
              ...OPENSEADRAGON_RELEASES.flatMap((release) => openSeadragonTileRequests(info as never, release)),
              ...wholeImageRequests(info as never),
            ]);
            const paths = new Set([...asked].map((request) => request.path));
            expect([...published.keys()].filter((path) => !paths.has(path))).toEqual([]);
          }
        });
      }
    }
  }
});
