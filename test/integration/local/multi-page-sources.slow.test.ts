import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJp2 } from '../../helpers/jpeg2000.js';
import { makePdf } from '../../helpers/pdf.js';
import { runCli } from '../../helpers/run-cli.js';
import { legacyTaskFile } from '../../helpers/task-file.js';

/** The PDF's pages: US Letter and A4 (points), rendered at PDF_DPI 100. */
const PDF_PAGES = [
  { width: 612, height: 792, colour: [180, 90, 20] as const, pixels: [850, 1100] },
  { width: 595, height: 842, colour: [60, 60, 160] as const, pixels: [826, 1169] },
];

/** The JP2 master: 20 megapixels, lossless. */
const JP2_SIZE = { width: 5000, height: 4000 } as const;

/** Interleaved RGB: a red left half and a green right half, with a blue ramp; and its mean colour. */
function master(width: number, height: number): { pixels: Uint8Array; mean: number[] } {
  const pixels = new Uint8Array(width * height * 3);
  const sums = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      const rgb = x < width / 2 ? [210, 50, Math.floor((y * 255) / height)] : [30, 190, Math.floor((y * 255) / height)];
      for (let c = 0; c < 3; c++) {
        pixels[at + c] = rgb[c] as number;
        sums[c] = (sums[c] as number) + (rgb[c] as number);
      }
    }
  }
  return { pixels, mean: sums.map((sum) => sum / (width * height)) };
}

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

describe('Command: iiif-batch run with multi-page TIFF, JPEG 2000 and PDF sources', () => {
  let root: string;
  let localRoot: string;
  let taskPath: string;
  let jp2Mean: number[];

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
    jp2Mean = await (async () => {
      const { pixels, mean } = master(JP2_SIZE.width, JP2_SIZE.height);
      await write(
        'img-src/Coll/Letters/b-master.jp2',
        await encodeJp2(pixels, { ...JP2_SIZE, components: 3, bits: 8, lossless: true }),
      );
      return mean;
    })();
    await write('img-src/Coll/Letters/c-report.pdf', await makePdf(PDF_PAGES));
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
          PDF_DPI: '100',
        }),
      ),
    );
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('publishes a 3-page TIFF, a 20 MP JP2 and a 2-page PDF as 6 canvases in order, each with its pixels', async () => {
    // Act
    const result = await runCli(['run', taskPath, '--local-root', localRoot, '--workers', '2', '--json']);

    // Assess
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const summary = JSON.parse(result.stdout) as { counts: Record<string, number> };
    expect(summary.counts).toMatchObject({ items: 1, images: 6, tiled: 6, failed: 0 });
    const item = join(localRoot, 'img-pub', 'pub', 'Coll', 'Letters');
    const manifest = JSON.parse(await readFile(join(item, 'manifest.json'), 'utf8')) as { items: Canvas[] };
    expect(manifest.items.map((canvas) => Object.values(canvas.label)[0]?.[0])).toEqual([
      'a-letter, p. 1',
      'a-letter, p. 2',
      'a-letter, p. 3',
      'b-master',
      'c-report, p. 1',
      'c-report, p. 2',
    ]);
    const services = manifest.items.map((canvas) => canvas.items[0]?.items[0]?.body.service[0]?.id);
    expect(services).toEqual([
      ...[1, 2, 3].map((page) => `https://iiif.example.org/pub/Coll/Letters/a-letter_p${page}`),
      'https://iiif.example.org/pub/Coll/Letters/b-master',
      'https://iiif.example.org/pub/Coll/Letters/c-report_p1',
      'https://iiif.example.org/pub/Coll/Letters/c-report_p2',
    ]);
    for (const [index, colour] of TIFF_COLOURS.entries()) {
      const full = join(item, `a-letter_p${index + 1}`, 'full', 'max', '0', 'default.jpg');
      const stats = await sharp(full).stats();
      expect((await sharp(full).metadata()).width).toBe(900);
      for (const [channel, expected] of colour.entries()) {
        expect(Math.abs((stats.channels[channel]?.mean ?? 0) - expected)).toBeLessThan(4);
      }
    }
    const info = JSON.parse(await readFile(join(item, 'b-master', 'info.json'), 'utf8')) as Record<string, number>;
    expect([info.width, info.height]).toEqual([JP2_SIZE.width, JP2_SIZE.height]);
    const full = join(item, 'b-master', 'full', 'max', '0', 'default.jpg');
    const fullMeta = await sharp(full).metadata();
    expect([fullMeta.width, fullMeta.height]).toEqual([JP2_SIZE.width, JP2_SIZE.height]);
    const stats = await sharp(full).stats();
    for (const [channel, expected] of jp2Mean.entries()) {
      expect(Math.abs((stats.channels[channel]?.mean ?? 0) - expected)).toBeLessThan(3);
    }
    for (const [index, page] of PDF_PAGES.entries()) {
      const pageFull = join(item, `c-report_p${index + 1}`, 'full', 'max', '0', 'default.jpg');
      const meta = await sharp(pageFull).metadata();
      expect([meta.width, meta.height]).toEqual(page.pixels);
      const pageStats = await sharp(pageFull).stats();
      for (const [channel, expected] of page.colour.entries()) {
        expect(Math.abs((pageStats.channels[channel]?.mean ?? 0) - expected)).toBeLessThan(4);
      }
    }
  });
});
