import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreviewServer, startPreviewServer } from '../../../src/preview/start-preview-server.js';
import { REPO_ROOT, runCli } from '../../helpers/run-cli.js';
import { legacyTaskFile } from '../../helpers/task-file.js';
import { pageJpeg, pagePixels, rotatedPixels } from '../../qc/helpers/page-images.js';
import { type BrowserSession, browserAvailability, launchBrowser, watchRequests } from './browser-session.js';

/**
 * Real-browser proof of what an operator sees: the preview's thumbnail grids of a collection and an
 * item, and the QC page of a run with a failed image, a blank page, a duplicate and a page scanned
 * sideways. Screenshots go to test-output/browser/.
 */

const browser = browserAvailability();
const OUTPUT = join(REPO_ROOT, 'test-output', 'browser');

async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, name), fullPage: true });
}

/** Wait until every image in `selector` has loaded (or failed) and return their natural widths. */
async function loadedImages(page: Page, selector: string): Promise<number[]> {
  await page.waitForFunction(
    (css) => Array.from(document.querySelectorAll<HTMLImageElement>(css)).every((img) => img.complete),
    selector,
    { timeout: 30_000 },
  );
  return page.$$eval(selector, (images) => images.map((img) => (img as HTMLImageElement).naturalWidth));
}

describe.skipIf(!browser.run)('Real browser: preview thumbnail grids and the QC page', () => {
  let root: string;
  let localRoot: string;
  let server: PreviewServer;
  let session: BrowserSession;
  let runId: string;

  const write = async (key: string, body: Buffer | string): Promise<void> => {
    const path = join(localRoot, 'img-src', key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  };

  beforeAll(async () => {
    if (!browser.available) throw new Error(`CI=true requires the real-browser tests to run. ${browser.message}`);
    if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) {
      throw new Error('The compiled CLI is missing: run "npm run build" (npm test does) before these tests');
    }
    // Prepare: a book of portrait pages with a blank page, a page scanned sideways and a second
    // copy of page 1; a second item of ordinary pages; and a third whose only file is not an image
    // (an item with a failed image gets no manifest, so the failure is kept out of the two items the
    // preview shows).
    root = await mkdtemp(join(tmpdir(), 'browser-qc-'));
    localRoot = join(root, 'data');
    const text = (seed: number) => pagePixels({ width: 600, height: 800, seed });
    await write('Coll/Box/Book/p01.jpg', await pageJpeg(text(1)));
    await write('Coll/Box/Book/p02.jpg', await pageJpeg(text(2)));
    await write('Coll/Box/Book/p03.jpg', await pageJpeg(pagePixels({ width: 600, height: 800, blank: true })));
    await write('Coll/Box/Book/p04.jpg', await pageJpeg(await rotatedPixels(text(4))));
    await write('Coll/Box/Book/p05.jpg', await pageJpeg(text(1)));
    await write('Coll/Box/Loose/p06.jpg', 'this is not a JPEG at all, only text with the wrong name');
    await write('Coll/Box/Letters/l1.jpg', await pageJpeg(text(11)));
    await write('Coll/Box/Letters/l2.jpg', await pageJpeg(text(12)));
    await write(
      'metadata/box.csv',
      'identifier,title\nBox,The box\nBook,A bound book\nLetters,Two letters\nLoose,Loose papers\n',
    );
    server = await startPreviewServer({ root: localRoot });
    const taskPath = join(root, 'task.json');
    const task = legacyTaskFile(
      {
        COLLECTION_IDENTIFIER: 'Box',
        ACCESS_DIR: 'Coll/Box',
        DEST_PREFIX: 'pub',
        DEST_URL: `${server.url}/img-pub`,
        CSV_NAME: 'box.csv',
        TILE_SIZE: '256',
      },
      { jobName: 'Box' },
    );
    await writeFile(taskPath, JSON.stringify(task));
    const result = await runCli(['run', taskPath, '--local-root', localRoot, '--workers', '1', '--json']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1); // p06 failed
    runId = (JSON.parse(result.stdout) as { runId: string }).runId;
    session = await launchBrowser(browser.chromiumPath);
  }, 300_000);

  afterAll(async () => {
    await session?.close();
    await server?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('shows the collection as a grid of item thumbnails with a filter over their labels', async () => {
    const page = await session.context.newPage();
    const log = watchRequests(page);
    await page.goto(`${server.url}/_preview/`);
    await page.waitForSelector('body[data-ready="listing"]');
    const cards = page.locator('.collection .thumb-card');
    await expect.poll(() => cards.count()).toBe(2);
    expect(await cards.locator('figcaption').allTextContents()).toEqual(['A bound book', 'Two letters']);
    const widths = await loadedImages(page, '.collection .thumb-card img');
    expect(widths.every((width) => width > 0)).toBe(true);
    expect(await page.locator('#runs a').allTextContents()).toEqual([`QC page of ${runId}`]);
    await screenshot(page, 'preview-collection.png');

    await page.fill('.collection .grid-filter', 'lett');
    await expect.poll(() => cards.count()).toBe(1);
    expect(await cards.locator('figcaption').textContent()).toBe('Two letters');
    // Thumbnails are `sizes` files, never the full image.
    expect(log.requested.filter((url) => url.includes('/full/max/'))).toEqual([]);
    expect(log.failures).toEqual([]);
    await page.close();
  });

  it("shows an item's pages as lazily loaded thumbnails that open in OpenSeadragon", async () => {
    const page = await session.context.newPage();
    const log = watchRequests(page);
    await page.goto(`${server.url}/_preview/`);
    await page.waitForSelector('body[data-ready="listing"]');
    await page.locator('.collection .thumb-card', { hasText: 'A bound book' }).getByText('pages').click();
    await page.waitForSelector('body[data-ready="item"]');
    expect(await page.locator('#listing-title').textContent()).toBe('A bound book');
    const images = page.locator('.thumb-card img');
    expect(await images.count()).toBe(5);
    expect(await images.evaluateAll((all) => all.map((img) => img.getAttribute('loading')))).toEqual(
      Array(5).fill('lazy'),
    );
    expect((await loadedImages(page, '.thumb-card img')).every((width) => width > 0)).toBe(true);
    const sources = await images.evaluateAll((all) => all.map((img) => (img as HTMLImageElement).src));
    for (const source of sources) expect(source).toMatch(/\/full\/\d+,\d*\/0\/default\.jpg$/);
    await screenshot(page, 'preview-item.png');

    await images.first().click();
    await page.waitForSelector('body[data-ready="image"]', { timeout: 30_000 });
    expect(log.failures).toEqual([]);
    await page.close();
  });

  it('shows the QC page of the run: the failure first, then the warnings, the flagged images marked', async () => {
    const page = await session.context.newPage();
    const log = watchRequests(page);
    await page.goto(`${server.url}/_preview/runs/${encodeURIComponent(runId)}`);
    await page.waitForSelector('body[data-ready="qc"]');
    expect(await page.locator('#run-status').textContent()).toBe('Run failed');
    expect(await page.locator('[data-count="failed"]').textContent()).toBe('1');
    // What a person reads first: the failure, with its source key and reason, above the warnings.
    const headings = await page.locator('main h2').allTextContents();
    expect(headings.slice(0, 2)).toEqual(['Failed images (1)', expect.stringMatching(/^Warnings \(\d+\)$/)]);
    const failure = page.locator('#failures tbody tr');
    expect(await failure.count()).toBe(1);
    expect(await failure.textContent()).toContain('Coll/Box/Loose/p06.jpg');
    const codes = await page
      .locator('#warnings tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => `${row.getAttribute('data-code')} ${row.querySelector('.key')?.textContent}`),
      );
    expect(codes).toEqual(
      expect.arrayContaining([
        'qc-uniform Coll/Box/Book/p03.jpg',
        'qc-orientation Coll/Box/Book/p04.jpg',
        'qc-duplicate Coll/Box/Book/p01.jpg',
        'qc-duplicate Coll/Box/Book/p05.jpg',
      ]),
    );

    // Every image is a card; the flagged ones are marked, with their flags.
    const card = (name: string) => page.locator(`.card[data-name="${name}"]`);
    expect(await page.locator('.card').count()).toBe(8);
    expect(await card('p03').getAttribute('class')).toContain('flagged');
    expect(await card('p03').locator('.badge').allTextContents()).toEqual(['uniform']);
    expect(await card('p04').locator('.badge').allTextContents()).toEqual(['orientation']);
    expect(await card('p01').locator('.badge').allTextContents()).toEqual(['duplicate']);
    expect(await card('p05').locator('.badge').allTextContents()).toEqual(['duplicate']);
    expect(await card('p02').getAttribute('class')).not.toContain('flagged');
    expect(await card('p06').getAttribute('class')).toContain('failed');
    expect(await card('p06').textContent()).toContain('failed');
    const widths = await loadedImages(page, '.card img');
    expect(widths).toHaveLength(7);
    expect(widths.every((width) => width > 0)).toBe(true);
    await screenshot(page, 'qc-page.png');

    // Filters: by flag, by status, by item.
    await page.selectOption('#flag-filter', 'duplicate');
    await expect.poll(() => page.locator('.card').count()).toBe(2);
    await page.selectOption('#flag-filter', '');
    await page.selectOption('#status-filter', 'failed');
    expect(await page.locator('.card').evaluateAll((all) => all.map((c) => c.getAttribute('data-name')))).toEqual([
      'p06',
    ]);
    await page.selectOption('#status-filter', '');
    await page.selectOption('#item-filter', 'Letters');
    await expect.poll(() => page.locator('.card').count()).toBe(2);
    expect(log.failures).toEqual([]);
    await page.close();
  });

  it('report --html writes the same page as one self-contained file that loads the published thumbnails', async () => {
    const file = join(root, 'qc.html');
    const result = await runCli(['report', runId, '--local-root', localRoot, '--html', file]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('Failed images (1):');
    expect(result.stdout).toContain('[qc-duplicate]');
    const html = await readFile(file, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);

    const page = await session.context.newPage();
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-ready="qc"]');
    expect(await page.locator('.card.flagged').count()).toBe(4);
    const widths = await loadedImages(page, '.card img');
    expect(widths.every((width) => width > 0)).toBe(true);
    await page.close();
  });
});
