import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../local/package-root.js';

/** URL path under which the preview page and its libraries are served. */
export const PREVIEW_PATH = '/_preview/';

/** URL path of the JSON list of collections and manifests under the served folder. */
export const DOCUMENTS_API_PATH = `${PREVIEW_PATH}api/documents.json`;

/** URL path of the JSON list of runs recorded under a served local root (their QC pages are at `runs/ID`). */
export const RUNS_API_PATH = `${PREVIEW_PATH}api/runs.json`;

/**
 * Files of the preview page (no build step: plain HTML, CSS and an ES module in `src/preview/page/`)
 * and of the viewers it loads from `node_modules`: Mirador's UMD bundle (React included) and
 * OpenSeadragon with its button images. Keys are paths relative to `/_preview/`.
 */
export function previewAssets(): ReadonlyMap<string, string> {
  const require = createRequire(import.meta.url);
  const page = join(packageRoot(), 'src', 'preview', 'page');
  const mirador = require.resolve('mirador');
  const osdDir = dirname(require.resolve('openseadragon'));
  return new Map<string, string>([
    ['', join(page, 'index.html')],
    ['index.html', join(page, 'index.html')],
    ['preview.js', join(page, 'preview.js')],
    ['preview.css', join(page, 'preview.css')],
    ['mirador.min.js', join(dirname(mirador), 'mirador.min.js')],
    ['mirador.min.js.map', join(dirname(mirador), 'mirador.min.js.map')],
    ['openseadragon/openseadragon.min.js', join(osdDir, 'openseadragon.min.js')],
    ['openseadragon/openseadragon.min.js.map', join(osdDir, 'openseadragon.min.js.map')],
  ]);
}

/** Folder of OpenSeadragon's navigation button images, served at `/_preview/openseadragon/images/`. */
export function openSeadragonImagesDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('openseadragon')), 'images');
}
