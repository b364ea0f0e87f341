import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTruncation } from '../../src/shard-worker/find-truncation.js';
import { photoRaw } from './helpers/fixtures.js';
import { tiffDirectoryFirst } from './helpers/tiff-directory-first.js';

describe('Function: findTruncation', () => {
  let dir: string;
  const write = async (name: string, bytes: Buffer): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'find-truncation-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds nothing wrong in complete TIFFs (strips, tiles, BigTIFF, directory first), PNGs and JPEGs', async () => {
    // Prepare
    const image = await photoRaw(700, 500);
    const files = {
      'strips.tif': await image.clone().tiff({ compression: 'lzw' }).toBuffer(),
      'tiles.tif': await image.clone().tiff({ tile: true, tileWidth: 128, tileHeight: 128 }).toBuffer(),
      'big.tif': await image.clone().tiff({ bigtiff: true, compression: 'deflate' }).toBuffer(),
      'first.tif': tiffDirectoryFirst(await image.clone().tiff({ compression: 'none' }).toBuffer()),
      'whole.png': await image.clone().png().toBuffer(),
      'whole.jpg': await image.clone().jpeg().toBuffer(),
    };

    // Act
    const found = await Promise.all(
      Object.entries(files).map(async ([name, bytes]) => [name, await findTruncation(await write(name, bytes))]),
    );

    // Assess
    expect(Object.fromEntries(found)).toEqual(Object.fromEntries(Object.keys(files).map((name) => [name, undefined])));
  });

  it('names what lies beyond the end: strips, tiles, a BigTIFF directory, a PNG chunk', async () => {
    // Prepare
    const image = await photoRaw(700, 500);
    const cut = (bytes: Buffer, keep: number): Buffer => bytes.subarray(0, keep);
    const first = tiffDirectoryFirst(await image.clone().tiff({ compression: 'none' }).toBuffer());
    const big = await image.clone().tiff({ bigtiff: true }).toBuffer();
    const png = await image.clone().png().toBuffer();

    // Act
    const strips = await findTruncation(await write('cut-first.tif', cut(first, first.length - 1)));
    const directory = await findTruncation(await write('cut-big.tif', cut(big, Math.floor(big.length / 2))));
    const chunk = await findTruncation(await write('cut.png', cut(png, png.length - 20)));
    const noEnd = await findTruncation(await write('no-iend.png', cut(png, png.length - 12)));

    // Assess
    expect(strips).toBe(
      `truncated TIFF: the file has ${(first.length - 1).toLocaleString('en-US')} bytes but its image data runs to byte ` +
        `${first.length.toLocaleString('en-US')} (cut short, e.g. by an interrupted copy)`,
    );
    expect(directory).toMatch(/^truncated TIFF: the file has [\d,]+ bytes but its directory runs to byte [\d,]+ /);
    expect(chunk).toMatch(/^truncated PNG: the file has [\d,]+ bytes but its IDAT chunk runs to byte [\d,]+ /);
    expect(noEnd).toMatch(/^truncated PNG: the file ends after [\d,]+ bytes without the closing IEND chunk/);
  });

  it('reads big-endian TIFFs too', async () => {
    // Prepare: a one-strip big-endian TIFF written by hand (libvips writes the machine's order).
    const width = 4;
    const height = 2;
    const pixels = Buffer.alloc(width * height, 128);
    const entries: [number, number, number, number][] = [
      [256, 3, 1, width],
      [257, 3, 1, height],
      [258, 3, 1, 8],
      [259, 3, 1, 1],
      [262, 3, 1, 1],
      [273, 4, 1, 8 + 2 + 9 * 12 + 4],
      [277, 3, 1, 1],
      [278, 3, 1, height],
      [279, 4, 1, pixels.length],
    ];
    const header = Buffer.alloc(8 + 2 + entries.length * 12 + 4);
    header.write('MM', 0, 'latin1');
    header.writeUInt16BE(42, 2);
    header.writeUInt32BE(8, 4);
    header.writeUInt16BE(entries.length, 8);
    entries.forEach(([tag, type, count, value], index) => {
      const at = 10 + index * 12;
      header.writeUInt16BE(tag, at);
      header.writeUInt16BE(type, at + 2);
      header.writeUInt32BE(count, at + 4);
      if (type === 3) header.writeUInt16BE(value, at + 8);
      else header.writeUInt32BE(value, at + 8);
    });
    const whole = Buffer.concat([header, pixels]);
    const path = await write('big-endian.tif', whole);
    expect((await sharp(path).metadata()).width).toBe(width);

    // Act
    const complete = await findTruncation(path);
    const cut = await findTruncation(await write('big-endian-cut.tif', whole.subarray(0, whole.length - 3)));

    // Assess
    expect(complete).toBeUndefined();
    expect(cut).toMatch(/^truncated TIFF: .* its image data runs to byte /);
  });
});
