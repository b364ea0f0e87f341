import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';
import { legacyTaskFile } from '../../helpers/task-file.js';

/** Page colours of the generated sources, in page order. */
const TIFF_COLOURS = [
  [200, 30, 40],
  [20, 160, 60],
  [40, 60, 190],
] as const;

interface Canvas {
  readonly label: Record<string, string[]>;
  readonly items: { items: { body: { service: { id: string }[] } }[] }[];
}

describe('Command: iiif-batch run with multi-page sources', () => {
  let root: string;
  let localRoot: string;
  let taskPath: string;

  const write = async (key: string, body: Buffer | string): Promise<void> => {
    const path = join(localRoot, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'multi-page-'));
    localRoot = join(root, 'data');
    const pages = await Promise.all(
      TIFF_COLOURS.map(([r, g, b]) =>
        sharp({ create: { width: 900, height: 700, channels: 3, background: { r, g, b } } })
          .png()
          .toBuffer(),
      ),
    );
    await write(
      'img-src/Coll/Letters/a-letter.tif',
      await sharp(pages, { join: { animated: true } })
        .tiff({ compression: 'lzw' })
        .toBuffer(),
    );
    await write('img-src/metadata/m.csv', 'identifier,title\nLetters,Letters\n');
    taskPath = join(root, 'task.json');
    await writeFile(
      taskPath,
      JSON.stringify(
        legacyTaskFile({
          COLLECTION_IDENTIFIER: 'Coll',
          ACCESS_DIR: 'Coll',
          DEST_PREFIX: 'pub',
          DEST_URL: 'https://iiif.example.org',
          CSV_NAME: 'm.csv',
          TILE_SIZE: '256',
        }),
      ),
    );
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('publishes one canvas per page, in page order, each page with its own pixels', async () => {
    // Act
    const result = await runCli(['run', taskPath, '--local-root', localRoot, '--workers', '2', '--json']);

    // Assess
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const summary = JSON.parse(result.stdout) as { counts: Record<string, number> };
    expect(summary.counts).toMatchObject({ items: 1, images: 3, tiled: 3, failed: 0 });
    const item = join(localRoot, 'img-pub', 'pub', 'Coll', 'Letters');
    const manifest = JSON.parse(await readFile(join(item, 'manifest.json'), 'utf8')) as { items: Canvas[] };
    expect(manifest.items.map((canvas) => Object.values(canvas.label)[0]?.[0])).toEqual([
      'a-letter, p. 1',
      'a-letter, p. 2',
      'a-letter, p. 3',
    ]);
    const services = manifest.items.map((canvas) => canvas.items[0]?.items[0]?.body.service[0]?.id);
    expect(services).toEqual([1, 2, 3].map((page) => `https://iiif.example.org/pub/Coll/Letters/a-letter_p${page}`));
    for (const [index, colour] of TIFF_COLOURS.entries()) {
      const full = join(item, `a-letter_p${index + 1}`, 'full', 'max', '0', 'default.jpg');
      const stats = await sharp(full).stats();
      expect((await sharp(full).metadata()).width).toBe(900);
      for (const [channel, expected] of colour.entries()) {
        expect(Math.abs((stats.channels[channel]?.mean ?? 0) - expected)).toBeLessThan(4);
      }
    }
  });
});
