import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { canJoinJpegBands, joinJpegBands } from '../../src/shard-worker/join-jpeg-bands.js';
import { jpegOptions } from '../../src/shard-worker/render-pyramid.js';
import { photoRaw } from './helpers/fixtures.js';

/** Raw pixels of a photo-like image, 3 bands or (grey) 1. */
async function pixels(width: number, height: number, channels: 1 | 3): Promise<Buffer> {
  const image = await photoRaw(width, height);
  return (channels === 1 ? image.toColourspace('b-w') : image.removeAlpha()).raw().toBuffer();
}

function encode(data: Buffer, width: number, height: number, channels: 1 | 3, quality = 85): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels } })
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .jpeg(jpegOptions(quality))
    .toBuffer();
}

async function bandJpegs(data: Buffer, width: number, height: number, channels: 1 | 3, rows: number) {
  const rowBytes = width * channels;
  const bands: Buffer[] = [];
  for (let top = 0; top < height; top += rows) {
    const bottom = Math.min(height, top + rows);
    bands.push(await encode(data.subarray(top * rowBytes, bottom * rowBytes), width, bottom - top, channels));
  }
  return bands;
}

describe('Function: joinJpegBands', () => {
  const shapes = [
    { label: 'RGB, odd size, short last band', width: 301, height: 3 * 64 + 37, channels: 3 as const, rows: 64 },
    { label: 'RGB, whole bands', width: 256, height: 4 * 32, channels: 3 as const, rows: 32 },
    { label: 'grey, odd size', width: 203, height: 2 * 40 + 9, channels: 1 as const, rows: 40 },
  ];
  for (const shape of shapes) {
    it(`decodes to exactly the pixels of a whole encode: ${shape.label}`, async () => {
      // Prepare
      const { width, height, channels, rows } = shape;
      const data = await pixels(width, height, channels);
      const bands = await bandJpegs(data, width, height, channels, rows);
      const whole = await sharp(await encode(data, width, height, channels))
        .raw()
        .toBuffer({ resolveWithObject: true });

      // Act
      const joined = joinJpegBands(bands, rows);

      // Assess
      const decoded = await sharp(joined, { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true });
      expect(bands.length).toBeGreaterThan(1);
      expect(decoded.info).toMatchObject({ width, height, format: 'raw' });
      expect(decoded.data.equals(whole.data)).toBe(true);
      const metadata = await sharp(joined).metadata();
      expect(metadata).toMatchObject({ format: 'jpeg', width, height, channels });
    });
  }

  it('refuses bands encoded with other settings', async () => {
    // Prepare
    const data = await pixels(64, 64, 3);
    const rowBytes = 64 * 3;
    const top = await encode(data.subarray(0, 32 * rowBytes), 64, 32, 3, 85);
    const bottom = await encode(data.subarray(32 * rowBytes), 64, 32, 3, 60);

    // Act
    const act = () => joinJpegBands([top, bottom], 32);

    // Assess
    expect(act).toThrow(/Expected band 1 to be encoded like band 0/);
  });

  it('refuses a band of the wrong height and anything that is not a JPEG', async () => {
    // Prepare
    const data = await pixels(64, 64, 3);
    const rowBytes = 64 * 3;
    const top = await encode(data.subarray(0, 16 * rowBytes), 64, 16, 3);
    const bottom = await encode(data.subarray(16 * rowBytes), 64, 48, 3);

    // Act
    const wrongHeight = () => joinJpegBands([top, bottom, top], 16);
    const notJpeg = () => joinJpegBands([Buffer.from('not a jpeg')], 16);

    // Assess
    expect(wrongHeight).toThrow(/Expected band 1 to be 16 rows high but it is 48/);
    expect(notJpeg).toThrow(/Expected a baseline JPEG for band 0/);
  });
});

describe('Function: canJoinJpegBands', () => {
  it('needs bands a whole number of MCUs high and at most 65535 MCUs per band', () => {
    // Assess
    expect(canJoinJpegBands(8660, 512, 3)).toBe(true);
    expect(canJoinJpegBands(8660, 520, 3)).toBe(false);
    expect(canJoinJpegBands(8660, 8, 1)).toBe(true);
    expect(canJoinJpegBands(8660, 12, 1)).toBe(false);
    expect(canJoinJpegBands(16384, 256, 3)).toBe(true);
    expect(canJoinJpegBands(16384, 512, 1)).toBe(false);
  });
});
