import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { computePyramid } from '../../src/iiif/image-api/compute-pyramid.js';
import { imageFindings } from '../../src/qc/image-flags.js';
import { measureImage, UNIFORM_STDDEV } from '../../src/qc/measure-image.js';
import { measureRenderedLevel, qcContentOf } from '../../src/qc/measure-rendered-level.js';
import { type GeneratedPixels, pagePixels, rotatedPixels } from './helpers/page-images.js';

/** What the tiler hands QC: the smallest level of the pyramid, reduced and encoded as JPEG. */
async function measureAsTiled(page: GeneratedPixels, tileSize = 512) {
  const pyramid = computePyramid({ width: page.width, height: page.height, tileSize, fullMaxSize: 10_000 });
  const content = qcContentOf(pyramid);
  const level = pyramid.levels[content.level];
  if (level === undefined) throw new Error('no level');
  const jpeg = await sharp(page.data, { raw: page })
    .resize(level.width, level.height, { fit: 'fill' })
    .jpeg({ quality: 85, chromaSubsampling: '4:2:0' })
    .toBuffer();
  return measureRenderedLevel(jpeg);
}

const flagsOf = async (page: GeneratedPixels) => (await measureAsTiled(page)).flags;

describe('measureImage', () => {
  it('raises no flag on a text page', async () => {
    const measured = await measureAsTiled(pagePixels({ width: 1200, height: 1600 }));
    expect(measured.flags).toEqual([]);
    expect(measured.lumaStdDev).toBeGreaterThan(UNIFORM_STDDEV * 3);
    expect(measured.edgeBand).toBeUndefined();
  });

  it('flags a blank page and a black page as nearly uniform', async () => {
    expect(await flagsOf(pagePixels({ width: 1200, height: 1600, blank: true }))).toEqual(['uniform']);
    const black = await measureAsTiled(pagePixels({ blank: true, paper: [3, 3, 3], grain: 2 }));
    expect(black.flags).toEqual(['uniform']);
    const [finding] = imageFindings(black);
    expect(finding?.message).toMatch(/black/);
  });

  it('flags a page whose lower half is black (a master cut short) with the band it covers', async () => {
    const measured = await measureAsTiled(pagePixels({ width: 1200, height: 1600, blackFromRow: 800 }));
    expect(measured.flags).toEqual(['edge-band']);
    expect(measured.edgeBand?.edge).toBe('bottom');
    expect(measured.edgeBand?.fraction).toBeGreaterThan(0.45);
    expect(measured.edgeBand?.fraction).toBeLessThan(0.52);
    expect(measured.edgeBand?.colour).toEqual([0, 0, 0]);
  });

  it('flags a constant colour down the right edge', async () => {
    const measured = await measureAsTiled(
      pagePixels({ width: 1200, height: 1600, constantFromColumn: { column: 1000, colour: [128, 128, 128] } }),
    );
    expect(measured.flags).toEqual(['edge-band']);
    expect(measured.edgeBand?.edge).toBe('right');
  });

  it('does not flag a backdrop that surrounds the whole image', async () => {
    // A photograph on black velvet: black at the top as deep as at the bottom.
    const page = pagePixels({ width: 800, height: 800 });
    const framed = Buffer.from(page.data);
    for (let y = 0; y < 800; y++) {
      for (let x = 0; x < 800; x++) {
        if (y < 100 || y >= 700 || x < 100 || x >= 700) framed.fill(0, (y * 800 + x) * 3, (y * 800 + x) * 3 + 3);
      }
    }
    expect(await flagsOf({ ...page, data: framed })).toEqual([]);
  });

  it('hashes the decoded pixels: the same page twice is equal, another page or a rotation is not', async () => {
    const page = pagePixels({ seed: 7 });
    const [a, b, other, turned] = await Promise.all([
      measureAsTiled(page),
      measureAsTiled(pagePixels({ seed: 7 })),
      measureAsTiled(pagePixels({ seed: 8 })),
      measureAsTiled(await rotatedPixels(page)),
    ]);
    expect(a.pixelHash).toMatch(/^[0-9a-f]{32}$/);
    expect(b.pixelHash).toBe(a.pixelHash);
    expect(other.pixelHash).not.toBe(a.pixelHash);
    expect(turned.pixelHash).not.toBe(a.pixelHash);
  });

  it('measures grey pages as grey and colour pages as colourful', async () => {
    const grey = await measureAsTiled(pagePixels({ paper: [230, 230, 230], ink: [30, 30, 30] }));
    const colour = await measureAsTiled(pagePixels({ paper: [236, 220, 160], ink: [150, 30, 30] }));
    expect(grey.colourfulness).toBeLessThanOrEqual(3);
    expect(colour.colourfulness).toBeGreaterThanOrEqual(8);
  });

  it('reads grey (one channel) pixels', () => {
    const data = Buffer.alloc(64 * 64, 200);
    const measured = measureImage({ data, width: 64, height: 64, channels: 1 });
    expect(measured).toMatchObject({ lumaMean: 200, lumaStdDev: 0, colourfulness: 0 });
  });

  it('rejects pixels shorter than their size says', () => {
    expect(() => measureImage({ data: Buffer.alloc(10), width: 8, height: 8, channels: 3 })).toThrow(
      /Expected 8x8x3 bytes/,
    );
  });
});
