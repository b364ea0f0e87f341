import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhotoLikeImage } from '../../../bench/photo-like-image.js';
import { type PreviewServer, startPreviewServer } from '../../../src/preview/start-preview-server.js';
import { REPO_ROOT, runCli } from '../../helpers/run-cli.js';
import { legacyTaskFile } from '../../helpers/task-file.js';
import {
  type BrowserSession,
  browserAvailability,
  launchBrowser,
  type RequestLog,
  watchRequests,
} from './browser-session.js';

/**
 * Real-browser proof: the local pipeline's output, served by the preview server on 127.0.0.1, opens in
 * OpenSeadragon (every level, every tile at full resolution) and in Mirador (a collection and
 * manifests, Presentation 3 and 2.1) without a single failed request.
 */

const browser = browserAvailability();

interface InfoJson {
  readonly id?: string;
  readonly '@id'?: string;
  readonly width: number;
  readonly height: number;
  readonly tiles: readonly { width: number; height?: number; scaleFactors: number[] }[];
}

/** Every published image service under `dir`: its URL path and its info.json. */
async function findServices(dir: string, base = dir): Promise<{ path: string; info: InfoJson }[]> {
  const found: { path: string; info: InfoJson }[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((entry) => entry.name === 'info.json')) {
    const info = JSON.parse(await readFile(join(dir, 'info.json'), 'utf8')) as InfoJson;
    return [{ path: `/${relative(base, dir).split('/').map(encodeURIComponent).join('/')}`, info }];
  }
  for (const entry of entries) {
    if (entry.isDirectory()) found.push(...(await findServices(join(dir, entry.name), base)));
  }
  return found;
}

/** The regions OpenSeadragon requests at full resolution: the tile grid at scale factor 1. */
function fullResolutionRegions(info: InfoJson): string[] {
  const tile = info.tiles[0];
  if (tile === undefined) throw new Error('info.json has no tiles');
  const tileWidth = tile.width;
  const tileHeight = tile.height ?? tile.width;
  const regions: string[] = [];
  for (let y = 0; y < info.height; y += tileHeight) {
    for (let x = 0; x < info.width; x += tileWidth) {
      regions.push(`${x},${y},${Math.min(tileWidth, info.width - x)},${Math.min(tileHeight, info.height - y)}`);
    }
  }
  return regions;
}

/**
 * The regions of the requested tiles of one service that were fetched at full resolution, with
 * region `full` written out as the whole image. A tile is at full resolution when its size equals
 * its region (2.1 `w,` sizes give the width only) and the region fits in one tile: a lower level's
 * region one pixel wide at the right edge has size `1,` too, but spans more than a tile's height.
 */
function requestedFullResolutionRegions(requested: readonly string[], serviceUrl: string, info: InfoJson): Set<string> {
  const tile = info.tiles[0];
  const tileWidth = tile?.width ?? 0;
  const tileHeight = tile?.height ?? tileWidth;
  const regions = new Set<string>();
  for (const url of requested) {
    if (!url.startsWith(`${serviceUrl}/`)) continue;
    const [region, size] = url.slice(serviceUrl.length + 1).split('/');
    if (region === undefined || size === undefined) continue;
    const box = region === 'full' ? `0,0,${info.width},${info.height}` : region;
    const [, , width, height] = box.split(',').map(Number);
    if (width === undefined || height === undefined || width > tileWidth || height > tileHeight) continue;
    const [sizeWidth, sizeHeight] = size.split(',');
    const sameSize =
      size === 'max' ||
      size === 'full' ||
      (Number(sizeWidth) === width && (sizeHeight === undefined || sizeHeight === '' || Number(sizeHeight) === height));
    if (sameSize) regions.add(box);
  }
  return regions;
}

/** In the page: visit every zoom level from home to maximum, panning across the whole image at each. */
async function exploreEveryLevel(page: Page): Promise<{ zooms: number; positions: number }> {
  return page.evaluate(async () => {
    interface Point {
      x: number;
      y: number;
    }
    interface Viewer {
      world: {
        getItemAt(index: number): { getFullyLoaded(): boolean; getBounds(): Point & { width: number; height: number } };
      };
      viewport: {
        getHomeZoom(): number;
        getMaxZoom(): number;
        zoomTo(zoom: number, refPoint: Point | undefined, immediately: boolean): void;
        panTo(center: Point, immediately: boolean): void;
        getBounds(current: boolean): { width: number; height: number };
      };
    }
    const preview = (window as unknown as { iiifPreview: { viewer: Viewer } }).iiifPreview;
    const Osd = (window as unknown as { OpenSeadragon: { Point: new (x: number, y: number) => Point } }).OpenSeadragon;
    const viewer = preview.viewer;
    const item = viewer.world.getItemAt(0);
    const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    const settle = async (): Promise<void> => {
      for (let index = 0; index < 3; index += 1) await frame();
      const deadline = performance.now() + 20_000;
      let stable = 0;
      while (performance.now() < deadline) {
        stable = item.getFullyLoaded() ? stable + 1 : 0;
        if (stable >= 4) return;
        await frame();
      }
      throw new Error('tiles did not finish loading within 20 s');
    };
    const centres = (start: number, length: number, view: number): number[] => {
      if (length <= view) return [start + length / 2];
      const count = Math.ceil(length / (view * 0.9)) + 1;
      return Array.from({ length: count }, (_, index) => start + view / 2 + ((length - view) * index) / (count - 1));
    };
    await settle();
    const viewport = viewer.viewport;
    const maxZoom = viewport.getMaxZoom();
    const zooms: number[] = [];
    for (let zoom = viewport.getHomeZoom(); zoom < maxZoom; zoom *= 2) zooms.push(zoom);
    zooms.push(maxZoom);
    const content = item.getBounds();
    let positions = 0;
    for (const zoom of zooms) {
      viewport.zoomTo(zoom, undefined, true);
      const view = viewport.getBounds(true);
      for (const y of centres(content.y, content.height, view.height)) {
        for (const x of centres(content.x, content.width, view.width)) {
          viewport.panTo(new Osd.Point(x, y), true);
          await settle();
          positions += 1;
        }
      }
    }
    return { zooms: zooms.length, positions };
  });
}

/** Wait until the first OpenSeadragon canvas on the page shows an image (not a flat background). */
async function waitForPaintedCanvas(page: Page, timeoutMs = 30_000): Promise<number> {
  const canvas = page.locator('.openseadragon-canvas').first();
  await canvas.waitFor({ state: 'visible', timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  let deviation = 0;
  while (Date.now() < deadline) {
    const png = await canvas.screenshot();
    const stats = await sharp(png).stats();
    deviation = Math.max(...stats.channels.slice(0, 3).map((channel) => channel.stdev));
    if (deviation > 10) return deviation;
    await page.waitForTimeout(250);
  }
  throw new Error(`The viewer canvas stayed blank (largest channel deviation ${deviation.toFixed(1)})`);
}

/**
 * Mirador shows a collection as "No item selected" with a "Show collection" button, and sometimes
 * opens the collection dialog by itself as well: press the button until the dialog is there.
 */
async function openCollectionDialog(page: Page, timeoutMs = 30_000): Promise<void> {
  const dialog = page.getByRole('dialog');
  const button = page.getByRole('button', { name: /show collection/i });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await dialog.isVisible()) return;
    if (await button.isVisible()) await button.click({ timeout: 1000 }).catch(() => undefined);
    await page.waitForTimeout(200);
  }
  throw new Error('Mirador did not show the collection dialog');
}

/** Let outstanding requests finish: wait until none has started for `quietMs`. */
async function waitForQuiet(page: Page, log: RequestLog, quietMs = 1500, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  while (Date.now() < deadline) {
    if (log.requested.length === seen) return;
    seen = log.requested.length;
    await page.waitForTimeout(quietMs);
  }
}

describe.skipIf(!browser.run)('Real browser: OpenSeadragon and Mirador on the local output', () => {
  let root: string;
  let localRoot: string;
  let server: PreviewServer;
  let session: BrowserSession;
  let services: { path: string; info: InfoJson }[];

  const write = async (key: string, body: Buffer | string): Promise<void> => {
    const path = join(localRoot, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  };

  const writeImage = async (key: string, width: number, height: number, seed: number): Promise<void> => {
    const path = join(localRoot, key);
    await mkdir(dirname(path), { recursive: true });
    await writePhotoLikeImage(path, width, height, key.endsWith('.tif') ? 'tiff' : 'jpeg', seed);
  };

  beforeAll(async () => {
    if (!browser.available) throw new Error(`CI=true requires the real-browser tests to run. ${browser.message}`);
    if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) {
      throw new Error('The compiled CLI is missing: run "npm run build" (npm test does) before these tests');
    }
    // Prepare: sources of two collections, one published with Image API 3 / Presentation 3, one with 2.1.
    root = await mkdtemp(join(tmpdir(), 'browser-viewers-'));
    localRoot = join(root, 'data');
    await writeImage('img-src/V3/Box/FolderA/page1.jpg', 2600, 1900, 1);
    await writeImage('img-src/V3/Box/FolderA/page2.jpg', 300, 200, 2);
    await writeImage('img-src/V3/Box/FolderA/page10.tif', 700, 2100, 3);
    await writeImage('img-src/V3/Box/FolderB/Access/a.jpg', 1025, 513, 4);
    await writeImage('img-src/V2/Box/FolderC/p1.jpg', 1800, 1300, 5);
    await writeImage('img-src/V2/Box/FolderC/p2.jpg', 400, 1500, 6);
    await write(
      'img-src/metadata/box.csv',
      'identifier,title,description\nV3_Box,Version 3 box,\nFolderA,Folder A,Three shapes\nFolderB,Folder B,\nV2_Box,Version 2 box,\nFolderC,Folder C,Old viewers\n',
    );
    await mkdir(join(localRoot, 'img-pub'), { recursive: true });
    server = await startPreviewServer({ root: join(localRoot, 'img-pub') });
    const tasks = [
      { COLLECTION_IDENTIFIER: 'V3_Box', ACCESS_DIR: 'V3/Box', TILE_SIZE: '256' },
      { COLLECTION_IDENTIFIER: 'V2_Box', ACCESS_DIR: 'V2/Box', IMAGE_API_VERSION: '2', PRESENTATION_VERSION: '2' },
    ];
    for (const [index, overrides] of tasks.entries()) {
      const taskPath = join(root, `task${index}.json`);
      const task = legacyTaskFile({ ...overrides, DEST_PREFIX: 'pub', DEST_URL: server.url, CSV_NAME: 'box.csv' });
      await writeFile(taskPath, JSON.stringify(task));
      const result = await runCli(['run', taskPath, '--local-root', localRoot, '--workers', '2', '--json']);
      if (result.code !== 0)
        throw new Error(`iiif-batch run exited ${result.code}: ${result.stdout}\n${result.stderr}`);
    }
    services = await findServices(join(localRoot, 'img-pub'));
    session = await launchBrowser(browser.chromiumPath);
  }, 300_000);

  afterAll(async () => {
    await session?.close();
    await server?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('published six image services, Image API 3 and 2.1', () => {
    // Assess
    expect(services.map((service) => service.path).sort()).toEqual([
      '/pub/V2_Box/FolderC/p1',
      '/pub/V2_Box/FolderC/p2',
      '/pub/V3_Box/FolderA/page1',
      '/pub/V3_Box/FolderA/page10',
      '/pub/V3_Box/FolderA/page2',
      '/pub/V3_Box/FolderB/a',
    ]);
  });

  it.each([
    '/pub/V3_Box/FolderA/page1',
    '/pub/V3_Box/FolderA/page2',
    '/pub/V3_Box/FolderA/page10',
    '/pub/V3_Box/FolderB/a',
    '/pub/V2_Box/FolderC/p1',
    '/pub/V2_Box/FolderC/p2',
  ])(
    'OpenSeadragon loads every tile of %s at every level with no failed request',
    async (path) => {
      // Prepare
      const service = services.find((candidate) => candidate.path === path);
      if (service === undefined) throw new Error(`${path} was not published`);
      const serviceUrl = `${server.url}${path}`;
      const page = await session.context.newPage();
      const log = watchRequests(page);

      try {
        // Act
        await page.goto(`${server.url}/_preview/?image=${encodeURIComponent(`${serviceUrl}/info.json`)}`);
        await page.waitForFunction(() => document.body.dataset['ready'] === 'image', undefined, { timeout: 30_000 });
        const walk = await exploreEveryLevel(page);
        await waitForQuiet(page, log);
        const tiles = await page.evaluate(
          () => (window as unknown as { iiifPreview: { tiles: object } }).iiifPreview.tiles,
        );

        // Assess
        expect(log.failures).toEqual([]);
        expect(log.pageErrors).toEqual([]);
        expect(tiles).toMatchObject({ failed: 0 });
        expect(walk.positions).toBeGreaterThanOrEqual(walk.zooms);
        const imageRequests = log.requested.filter((url) => url.startsWith(`${serviceUrl}/`) && url.endsWith('.jpg'));
        expect(imageRequests.length).toBeGreaterThan(0);
        const expected = fullResolutionRegions(service.info);
        expect([...requestedFullResolutionRegions(log.requested, serviceUrl, service.info)].sort()).toEqual(
          [...expected].sort(),
        );
      } finally {
        await page.close();
      }
    },
    120_000,
  );

  it.each([
    ['Presentation 3', '/pub/V3_Box/FolderA/manifest.json'],
    ['Presentation 2.1', '/pub/V2_Box/FolderC/manifest.json'],
  ])(
    'Mirador shows the first canvas of a %s manifest with no failed request',
    async (_, path) => {
      // Prepare
      const page = await session.context.newPage();
      const log = watchRequests(page);

      try {
        // Act
        await page.goto(`${server.url}/_preview/?manifest=${encodeURIComponent(`${server.url}${path}`)}`);
        const deviation = await waitForPaintedCanvas(page);
        await waitForQuiet(page, log);

        // Assess
        expect(deviation).toBeGreaterThan(10);
        expect(log.failures).toEqual([]);
        expect(log.pageErrors).toEqual([]);
        const servicePath = path.replace(/manifest\.json$/, '');
        expect(log.requested.some((url) => url.startsWith(`${server.url}${servicePath}`) && url.endsWith('.jpg'))).toBe(
          true,
        );
      } finally {
        await page.close();
      }
    },
    120_000,
  );

  it.each([
    ['V3_Box', 'Folder A'],
    ['V2_Box', 'Folder C'],
  ])(
    'Mirador opens the %s collection and shows the first canvas of %s',
    async (collection, label) => {
      // Prepare
      const page = await session.context.newPage();
      const log = watchRequests(page);
      const url = `${server.url}/pub/${collection}/collection.json`;

      try {
        // Act
        await page.goto(`${server.url}/_preview/?collection=${encodeURIComponent(url)}`);
        await openCollectionDialog(page);
        await page.getByRole('dialog').getByText(label, { exact: true }).click({ timeout: 30_000 });
        const deviation = await waitForPaintedCanvas(page);
        await waitForQuiet(page, log);

        // Assess
        expect(deviation).toBeGreaterThan(10);
        expect(log.failures).toEqual([]);
        expect(log.pageErrors).toEqual([]);
        expect(log.requested).toContain(url);
      } finally {
        await page.close();
      }
    },
    120_000,
  );

  it('the preview page lists both collections and opens an image from a manifest', async () => {
    // Prepare
    const page = await session.context.newPage();
    const log = watchRequests(page);

    try {
      // Act
      await page.goto(`${server.url}/`);
      await page.waitForFunction(() => document.body.dataset['ready'] === 'listing', undefined, { timeout: 30_000 });
      const titles = await page.locator('.collection h2').allTextContents();
      const viewerShownOnListing = await page.locator('#viewer-panel').isVisible();
      const v3 = page.locator('.collection', { hasText: 'Version 3 box' });
      await v3.locator('.thumb-card', { hasText: 'Folder A' }).getByRole('link', { name: 'pages' }).click();
      await page.waitForFunction(() => document.body.dataset['ready'] === 'item', undefined, { timeout: 30_000 });
      const firstImage = page.locator('.thumb-card a.thumb-link').first();
      const imageLinks = await page.locator('.thumb-card a.thumb-link').count();
      await firstImage.click();
      await page.waitForFunction(() => document.body.dataset['ready'] === 'image', undefined, { timeout: 30_000 });
      await page.waitForFunction(
        () => (window as unknown as { iiifPreview: { tiles: { loaded: number } } }).iiifPreview.tiles.loaded > 0,
        undefined,
        { timeout: 30_000 },
      );
      await waitForQuiet(page, log);

      // Assess
      expect(titles).toEqual(['Version 2 box', 'Version 3 box']);
      expect(viewerShownOnListing).toBe(false);
      expect(imageLinks).toBe(3);
      expect(page.url()).toContain(encodeURIComponent(`${server.url}/pub/V3_Box/FolderA/page1/info.json`));
      expect(log.failures).toEqual([]);
      expect(log.pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
