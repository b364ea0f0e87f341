import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, rgb } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageFailure } from '../../src/shard-worker/image-failure.js';
import { type PdfRenderOptions, renderPdfPage } from '../../src/shard-worker/sources/pdf.js';
import { encryptedCopy, makePdf } from '../helpers/pdf.js';

async function means(path: string, region?: { left: number; top: number; width: number; height: number }) {
  const input = region === undefined ? sharp(path) : sharp(await sharp(path).extract(region).png().toBuffer());
  return (await input.stats()).channels.map((channel) => channel.mean);
}

describe('Function: renderPdfPage', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pdf-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const render = async (name: string, bytes: Buffer, options: PdfRenderOptions): Promise<string> => {
    const source = join(dir, name);
    await writeFile(source, bytes);
    const output = join(dir, `${name}-${options.page}.tif`);
    await renderPdfPage(source, output, options);
    return output;
  };

  it('renders the chosen page at the chosen resolution, in its colours', async () => {
    // Prepare: US Letter and A5 pages.
    const pdf = await makePdf([
      { width: 612, height: 792, colour: [200, 30, 40] },
      { width: 420, height: 595, colour: [20, 160, 60] },
    ]);

    // Act
    const first = await render('two.pdf', pdf, { page: 1, dpi: 150, maxSide: 10000 });
    const second = await render('two.pdf', pdf, { page: 2, dpi: 72, maxSide: 10000 });

    // Assess
    const firstMeta = await sharp(first).metadata();
    expect([firstMeta.width, firstMeta.height, firstMeta.channels]).toEqual([1275, 1650, 3]);
    expect((await means(first)).map(Math.round)).toEqual([200, 30, 40]);
    const secondMeta = await sharp(second).metadata();
    expect([secondMeta.width, secondMeta.height]).toEqual([420, 595]);
    expect((await means(second)).map(Math.round)).toEqual([20, 160, 60]);
  });

  it('renders in strips the same pixels as in one piece, on white, and caps the longest side', async () => {
    // Prepare: a white page with a black square in its lower half (strip borders cross it).
    const document = await PDFDocument.create();
    const page = document.addPage([300, 400]);
    page.drawRectangle({ x: 100, y: 50, width: 100, height: 100, color: rgb(0, 0, 0) });
    const pdf = Buffer.from(await document.save());

    // Act
    const whole = await render('square.pdf', pdf, { page: 1, dpi: 144, maxSide: 10000 });
    const strips = join(dir, 'square-strips.tif');
    await renderPdfPage(join(dir, 'square.pdf'), strips, {
      page: 1,
      dpi: 144,
      maxSide: 10000,
      stripBytes: 600 * 4 * 37,
    });
    const capped = join(dir, 'square-capped.tif');
    const rendered = await renderPdfPage(join(dir, 'square.pdf'), capped, { page: 1, dpi: 600, maxSide: 1000 });

    // Assess
    const wholeRaw = await sharp(whole).raw().toBuffer();
    expect(Buffer.compare(await sharp(strips).raw().toBuffer(), wholeRaw)).toBe(0);
    expect((await means(whole, { left: 0, top: 0, width: 600, height: 200 })).map(Math.round)).toEqual([255, 255, 255]);
    expect((await means(whole, { left: 220, top: 520, width: 160, height: 160 })).map(Math.round)).toEqual([0, 0, 0]);
    expect([rendered.width, rendered.height, Math.round(rendered.dpi)]).toEqual([750, 1000, 180]);
  });

  it('fails clearly on an encrypted PDF, a broken one, a missing page and a text file', async () => {
    // Prepare
    const classic = await makePdf([{ width: 200, height: 200, colour: [0, 0, 255] }], { classic: true });
    const options = { page: 1, dpi: 72, maxSide: 10000 };

    // Act & Assess
    await expect(render('locked.pdf', encryptedCopy(classic), options)).rejects.toThrow(/^encrypted PDF/);
    await expect(render('cut.pdf', classic.subarray(0, 40), options)).rejects.toThrow(/^broken PDF/);
    await expect(render('one.pdf', classic, { ...options, page: 3 })).rejects.toThrow(
      'page 3 not found: the PDF has 1 pages',
    );
    const text = render('text.pdf', Buffer.from('this is not a PDF'), options);
    await expect(text).rejects.toBeInstanceOf(ImageFailure);
    await expect(text).rejects.toThrow(/^not a PDF/);
  });
});
