import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreviewServer, startPreviewServer } from '../../../src/preview/start-preview-server.js';
import { type BrowserSession, browserAvailability, launchBrowser, watchRequests } from './browser-session.js';

/**
 * Real-browser proof that large collections stay usable: a collection of 130 items and an item of
 * 250 pages show at most one page of thumbnail cards (GRID_PAGE, 120) at a time, the pager walks
 * the rest, the filter box searches every entry (not only the page shown) and returns to page 1,
 * and no thumbnail of an entry off the page is ever requested.
 *
 * The documents are written directly (Presentation 3, the shape the assembler publishes, with a
 * `thumbnail` on each entry): tiling 380 images would test the tiler, which other tests cover.
 */

const browser = browserAvailability();
const ITEMS = 130;
const PAGES = 250;
const GRID_PAGE = 120;

describe.skipIf(!browser.run)('Real browser: paging large collections and items in the preview', () => {
  let root: string;
  let server: PreviewServer;
  let session: BrowserSession;

  const write = async (path: string, body: Buffer | string): Promise<void> => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), body);
  };
  const label = (text: string) => ({ none: [text] });
  const thumbnail = (path: string) => [{ id: `${server.url}/${path}`, type: 'Image', format: 'image/jpeg' }];

  beforeAll(async () => {
    if (!browser.available) throw new Error(`CI=true requires the real-browser tests to run. ${browser.message}`);
    root = await mkdtemp(join(tmpdir(), 'browser-paging-'));
    server = await startPreviewServer({ root });
    const jpeg = await sharp({ create: { width: 40, height: 56, channels: 3, background: '#a98' } })
      .jpeg()
      .toBuffer();
    const base = `${server.url}/big`;
    const manifestRef = (n: number) => ({
      id: `${base}/item${n}/manifest.json`,
      type: 'Manifest',
      label: label(`Item ${n}`),
      thumbnail: thumbnail(`thumbs/item${n}.jpg`),
    });
    for (let n = 1; n <= ITEMS; n += 1) await write(`thumbs/item${n}.jpg`, jpeg);
    for (let n = 1; n <= PAGES; n += 1) await write(`thumbs/page${n}.jpg`, jpeg);
    const items = Array.from({ length: ITEMS }, (_, index) => manifestRef(index + 1));
    await write(
      'big/collection.json',
      JSON.stringify({
        '@context': 'http://iiif.io/api/presentation/3/context.json',
        id: `${base}/collection.json`,
        type: 'Collection',
        label: label('A big box'),
        items,
      }),
    );
    const canvas = (n: number) => ({
      id: `${base}/item1/canvas/p${n}`,
      type: 'Canvas',
      label: label(`p. ${n}`),
      width: 400,
      height: 560,
      thumbnail: thumbnail(`thumbs/page${n}.jpg`),
      items: [
        {
          id: `${base}/item1/page/p${n}`,
          type: 'AnnotationPage',
          items: [
            {
              id: `${base}/item1/annotation/p${n}`,
              type: 'Annotation',
              motivation: 'painting',
              target: `${base}/item1/canvas/p${n}`,
              body: {
                id: `${base}/item1/p${n}/full/max/0/default.jpg`,
                type: 'Image',
                format: 'image/jpeg',
                service: [{ id: `${base}/item1/p${n}`, type: 'ImageService3', profile: 'level0' }],
              },
            },
          ],
        },
      ],
    });
    await write(
      'big/item1/manifest.json',
      JSON.stringify({
        '@context': 'http://iiif.io/api/presentation/3/context.json',
        id: `${base}/item1/manifest.json`,
        type: 'Manifest',
        label: label('Item 1'),
        items: Array.from({ length: PAGES }, (_, index) => canvas(index + 1)),
      }),
    );
    session = await launchBrowser(browser.chromiumPath);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    await server?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it(`pages a collection of ${ITEMS} items ${GRID_PAGE} at a time, and filters over all of them`, async () => {
    const page = await session.context.newPage();
    const log = watchRequests(page);
    await page.goto(`${server.url}/_preview/`);
    await page.waitForSelector('body[data-ready="listing"]');
    const grid = page.locator('.collection .grid-block');
    const captions = grid.locator('.thumb-card figcaption');
    await expect.poll(() => captions.count()).toBe(GRID_PAGE);
    expect(await grid.locator('.grid-count').textContent()).toBe(`${ITEMS} of ${ITEMS} items`);
    expect(await grid.locator('.pager span').textContent()).toBe('page 1 of 2');
    expect(await grid.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
    expect(await captions.first().textContent()).toBe('Item 1');
    expect(await captions.last().textContent()).toBe(`Item ${GRID_PAGE}`);

    await grid.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => captions.count()).toBe(ITEMS - GRID_PAGE);
    expect(await captions.first().textContent()).toBe(`Item ${GRID_PAGE + 1}`);
    expect(await grid.locator('.pager span').textContent()).toBe('page 2 of 2');
    expect(await grid.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);

    // The filter searches every item, not only the page shown, and starts again at page 1.
    await grid.locator('.grid-filter').fill('item 12');
    await expect
      .poll(() => captions.allTextContents())
      .toEqual(['Item 12', ...Array.from({ length: 10 }, (_, index) => `Item ${120 + index}`)]);
    expect(await grid.locator('.grid-count').textContent()).toBe(`11 of ${ITEMS} items`);
    expect(await grid.locator('.pager').isHidden()).toBe(true);
    await grid.locator('.grid-filter').fill('');
    await expect.poll(() => grid.locator('.pager span').textContent()).toBe('page 1 of 2');
    expect(log.failures).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await page.close();
  });

  it(`pages an item of ${PAGES} pages, loading thumbnails lazily as the cards on the page shown come into view`, async () => {
    const page = await session.context.newPage();
    const log = watchRequests(page);
    const item = `${server.url}/big/item1/manifest.json`;
    await page.goto(`${server.url}/_preview/?item=${encodeURIComponent(item)}`);
    await page.waitForSelector('body[data-ready="item"]');
    const captions = page.locator('.thumb-card figcaption');
    const pager = page.locator('.pager span');
    expect(await captions.count()).toBe(GRID_PAGE);
    expect(await pager.textContent()).toBe('page 1 of 3');

    const requestedPages = () =>
      log.requested
        .map((url) => /\/thumbs\/page(\d+)\.jpg$/.exec(url)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number);
    // At the top of the page only the cards in or near the view have asked for their thumbnail.
    await expect.poll(() => requestedPages().includes(1)).toBe(true);
    await page.waitForLoadState('networkidle');
    const atTop = requestedPages();
    expect(atTop.length).toBeGreaterThan(0);
    expect(atTop.length).toBeLessThan(GRID_PAGE);
    // Scrolled to the end of the first page, every thumbnail on it loads, and none beyond it.
    await page.locator('.thumb-card').last().scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll<HTMLImageElement>('.thumb-card img')).every((img) => img.complete),
      undefined,
      { timeout: 30_000 },
    );
    expect(new Set(requestedPages()).size).toBe(GRID_PAGE);
    expect(Math.max(...requestedPages())).toBe(GRID_PAGE);

    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => pager.textContent()).toBe('page 3 of 3');
    expect(await captions.allTextContents()).toEqual(
      Array.from({ length: PAGES - 2 * GRID_PAGE }, (_, index) => `p. ${2 * GRID_PAGE + index + 1}`),
    );
    await page.locator('.thumb-card').last().scrollIntoViewIfNeeded();
    await expect.poll(() => requestedPages().includes(PAGES)).toBe(true);
    // Page 3 was shown; page 2 was only passed through: of its thumbnails, at most those in view
    // were requested (lazy loading), never the whole page.
    const fromPage2 = requestedPages().filter((n) => n > GRID_PAGE && n <= 2 * GRID_PAGE);
    expect(fromPage2.length).toBeLessThan(GRID_PAGE);
    expect(log.failures).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    await page.close();
  });
});
