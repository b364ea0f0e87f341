import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { countTiffPages, type ReadRange } from '../../src/plan/count-tiff-pages.js';

/** Reads of an in-memory file, counted. */
function reader(bytes: Buffer): { read: ReadRange; reads: () => number } {
  let reads = 0;
  return {
    read: async (start, length) => {
      reads++;
      return bytes.subarray(start, start + length);
    },
    reads: () => reads,
  };
}

async function pages(count: number, width = 300, height = 200): Promise<Buffer[]> {
  const colours = ['#ff0000', '#00ff00', '#0000ff', '#ffff00', '#00ffff'];
  return Promise.all(
    Array.from({ length: count }, (_, index) =>
      sharp({ create: { width, height, channels: 3, background: colours[index % colours.length] as string } })
        .png()
        .toBuffer(),
    ),
  );
}

describe('Function: countTiffPages', () => {
  it('counts the pages of a multi-page LZW TIFF from its directories', async () => {
    // Prepare
    const tiff = await sharp(await pages(3), { join: { animated: true } })
      .tiff({ compression: 'lzw' })
      .toBuffer();

    // Act
    const { read } = reader(tiff);
    const count = await countTiffPages(read);

    // Assess
    expect(count).toBe(3);
  });

  it('counts the pages of a BigTIFF and of a big-endian TIFF', async () => {
    // Prepare
    const big = await sharp(await pages(4), { join: { animated: true } })
      .tiff({ bigtiff: true })
      .toBuffer();
    const single = await sharp((await pages(1))[0])
      .tiff()
      .toBuffer();
    const bigEndian = Buffer.alloc(8 + 2 + 3 * 12 + 4);
    bigEndian.write('MM', 0, 'latin1');
    bigEndian.writeUInt16BE(42, 2);
    bigEndian.writeUInt32BE(8, 4);
    bigEndian.writeUInt16BE(3, 8);
    [
      [256, 3, 1, 640],
      [257, 3, 1, 480],
      [254, 4, 1, 0],
    ].forEach(([tag, type, count, value], index) => {
      const at = 10 + index * 12;
      bigEndian.writeUInt16BE(tag as number, at);
      bigEndian.writeUInt16BE(type as number, at + 2);
      bigEndian.writeUInt32BE(count as number, at + 4);
      if (type === 3) bigEndian.writeUInt16BE(value as number, at + 8);
      else bigEndian.writeUInt32BE(value as number, at + 8);
    });

    // Act & Assess
    expect(await countTiffPages(reader(big).read)).toBe(4);
    expect(await countTiffPages(reader(single).read)).toBe(1);
    expect(await countTiffPages(reader(bigEndian).read)).toBe(1);
  });

  it('counts a resolution pyramid as one page', async () => {
    // Prepare
    const pyramid = await sharp((await pages(1, 2000, 1500))[0])
      .tiff({ pyramid: true, tile: true, tileWidth: 256, tileHeight: 256 })
      .toBuffer();
    expect((await sharp(pyramid).metadata()).pages).toBeGreaterThan(2);

    // Act & Assess
    expect(await countTiffPages(reader(pyramid).read)).toBe(1);
  });

  it('reads directories stored after the pixels with one small read each', async () => {
    // Prepare: pages larger than the first read, so later directories lie beyond it.
    const noise = await Promise.all(
      [1, 2, 3].map(() =>
        sharp({
          create: {
            width: 400,
            height: 400,
            channels: 3,
            background: '#808080',
            noise: { type: 'gaussian', mean: 128, sigma: 60 },
          },
        })
          .png()
          .toBuffer(),
      ),
    );
    const tiff = await sharp(noise, { join: { animated: true } })
      .tiff({ compression: 'none' })
      .toBuffer();
    expect(tiff.length).toBeGreaterThan(3 * 400 * 400 * 3);

    // Act
    const counted = reader(tiff);
    const count = await countTiffPages(counted.read);

    // Assess
    expect(count).toBe(3);
    expect(counted.reads()).toBeLessThanOrEqual(4);
  });

  it('answers undefined for bytes that are not a well-formed TIFF', async () => {
    // Prepare
    const jpeg = await sharp((await pages(1))[0])
      .jpeg()
      .toBuffer();
    const tiff = await sharp((await pages(1))[0])
      .tiff()
      .toBuffer();
    const loop = Buffer.from(tiff);
    // Point the first directory's "next" field back at itself.
    const first = loop.readUInt32LE(4);
    const entries = loop.readUInt16LE(first);
    loop.writeUInt32LE(first, first + 2 + entries * 12);

    // Act & Assess
    expect(await countTiffPages(reader(jpeg).read)).toBeUndefined();
    expect(await countTiffPages(reader(Buffer.from('II*\u0000')).read)).toBeUndefined();
    expect(await countTiffPages(reader(tiff.subarray(0, 20)).read)).toBeUndefined();
    expect(await countTiffPages(reader(loop).read)).toBeUndefined();
  });
});
