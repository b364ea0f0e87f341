import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { tiffDirectoryFirst } from './tiff-directory-first.js';

/**
 * A photograph-like test image (random colour fields about `cell` pixels across, smoothly blended)
 * of any size, as raw pixels ready to encode in any format. Smooth content keeps JPEGs realistic.
 */
export async function photoRaw(width: number, height: number, cell = 32): Promise<Sharp> {
  const small = await sharp({
    create: {
      width: Math.max(2, Math.ceil(width / cell)),
      height: Math.max(2, Math.ceil(height / cell)),
      channels: 3,
      background: { r: 90, g: 120, b: 160 },
      noise: { type: 'gaussian', mean: 128, sigma: 50 },
    },
  })
    .png()
    .toBuffer();
  const { data, info } = await sharp(small)
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
}

export interface Fixture {
  /** File name in the source folder. */
  readonly file: string;
  readonly format: 'jpeg' | 'tiff' | 'png' | 'webp' | 'gif';
  readonly expected:
    | {
        readonly status: 'tiled';
        readonly width: number;
        readonly height: number;
        readonly channels: 1 | 3;
        readonly warnings?: readonly RegExp[];
      }
    | { readonly status: 'failed'; readonly reason: RegExp };
}

/**
 * Masters a library really holds, and broken ones, written into `dir`. Every one is generated here
 * (no binary fixtures in the repository).
 */
export async function writeInputFixtures(dir: string): Promise<Fixture[]> {
  const fixtures: Fixture[] = [];
  const add = async (fixture: Fixture, bytes: Buffer | string): Promise<void> => {
    await writeFile(join(dir, fixture.file), bytes);
    fixtures.push(fixture);
  };
  const rgb = (w = 900, h = 600) => photoRaw(w, h);
  const tiled = (width: number, height: number, channels: 1 | 3 = 3, warnings?: RegExp[]) =>
    ({ status: 'tiled', width, height, channels, ...(warnings === undefined ? {} : { warnings }) }) as const;

  await add(
    { file: 'rgb16.tif', format: 'tiff', expected: tiled(900, 600) },
    await (await rgb()).toColourspace('rgb16').tiff({ compression: 'deflate' }).toBuffer(),
  );
  await add(
    { file: 'grey16.tif', format: 'tiff', expected: tiled(900, 600, 1) },
    await (await rgb()).toColourspace('grey16').tiff({ compression: 'lzw' }).toBuffer(),
  );
  await add(
    { file: 'grey8.tif', format: 'tiff', expected: tiled(900, 600, 1) },
    await (await rgb()).toColourspace('b-w').tiff({ compression: 'none' }).toBuffer(),
  );
  await add(
    { file: 'striped-lzw.tif', format: 'tiff', expected: tiled(900, 600) },
    await (await rgb()).tiff({ compression: 'lzw', predictor: 'horizontal' }).toBuffer(),
  );
  await add(
    { file: 'jpeg-in-tiff.tif', format: 'tiff', expected: tiled(900, 600) },
    await (await rgb()).tiff({ compression: 'jpeg', quality: 90 }).toBuffer(),
  );
  await add(
    { file: 'tiled.tif', format: 'tiff', expected: tiled(900, 600) },
    await (await rgb()).tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression: 'deflate' }).toBuffer(),
  );
  await add(
    { file: 'pyramid.tif', format: 'tiff', expected: tiled(2000, 1500) },
    await (await rgb(2000, 1500))
      .tiff({ pyramid: true, tile: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg' })
      .toBuffer(),
  );
  const page1 = await (await rgb(800, 500)).png().toBuffer();
  const page2 = await sharp({ create: { width: 800, height: 500, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();
  const page3 = await sharp({ create: { width: 800, height: 500, channels: 3, background: '#993366' } })
    .png()
    .toBuffer();
  await add(
    {
      file: 'multipage.tif',
      format: 'tiff',
      expected: tiled(800, 500, 3, [/^\[source-pages-ignored\] .*multipage\.tif: multi-page TIFF: page 1 of 3 used/]),
    },
    await sharp([page1, page2, page3], { join: { animated: true } })
      .tiff()
      .toBuffer(),
  );
  await add(
    {
      file: 'animated.webp',
      format: 'webp',
      expected: tiled(800, 500, 3, [/^\[source-pages-ignored\] .*animated\.webp: multi-frame WebP: frame 1 of 3 used/]),
    },
    await sharp([page1, page2, page3], { join: { animated: true } })
      .webp({ lossless: true })
      .toBuffer(),
  );
  await add(
    { file: 'cmyk.jpg', format: 'jpeg', expected: tiled(900, 600) },
    await (await rgb()).withIccProfile('cmyk').jpeg({ quality: 90 }).toBuffer(),
  );
  await add(
    { file: 'rotated.jpg', format: 'jpeg', expected: tiled(600, 900) },
    await (await rgb(900, 600)).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer(),
  );
  await add(
    { file: 'alpha.png', format: 'png', expected: tiled(700, 400) },
    await sharp({
      create: { width: 700, height: 400, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 0 } },
    })
      .composite([
        {
          input: { create: { width: 300, height: 200, channels: 4, background: { r: 0, g: 0, b: 200, alpha: 1 } } },
          left: 400,
          top: 200,
        },
      ])
      .png()
      .toBuffer(),
  );
  await add(
    { file: 'lossy.webp', format: 'webp', expected: tiled(900, 600) },
    await (await rgb()).webp({ quality: 90 }).toBuffer(),
  );
  await add({ file: 'palette.gif', format: 'gif', expected: tiled(900, 600) }, await (await rgb()).gif().toBuffer());
  const good = await (await rgb(1200, 800)).jpeg({ quality: 90 }).toBuffer();
  await add(
    { file: 'truncated.jpg', format: 'jpeg', expected: { status: 'failed', reason: /^truncated JPEG: / } },
    good.subarray(0, Math.floor(good.length * 0.6)),
  );
  // Masters cut short by a failed copy. A TIFF laid out directory-first (as Pillow and scanner
  // software write uncompressed masters) loses strips only: libvips would merely warn.
  const whole = (compression: 'none' | 'lzw') => rgb(1000, 700).then((image) => image.tiff({ compression }).toBuffer());
  const half = (bytes: Buffer): Buffer => bytes.subarray(0, Math.floor(bytes.length / 2));
  const directoryFirst = tiffDirectoryFirst(await whole('none'));
  await add({ file: 'directory-first.tif', format: 'tiff', expected: tiled(1000, 700) }, directoryFirst);
  const truncatedTiff = { status: 'failed', reason: /^truncated TIFF: the file has [\d,]+ bytes but its / } as const;
  await add({ file: 'truncated-uncompressed.tif', format: 'tiff', expected: truncatedTiff }, half(directoryFirst));
  await add(
    { file: 'truncated-lzw.tif', format: 'tiff', expected: truncatedTiff },
    half(tiffDirectoryFirst(await whole('lzw'))),
  );
  await add(
    { file: 'truncated-directory-last.tif', format: 'tiff', expected: truncatedTiff },
    half(await whole('lzw')),
  );
  await add(
    {
      file: 'truncated.png',
      format: 'png',
      expected: { status: 'failed', reason: /^truncated PNG: the file has [\d,]+ bytes but its IDAT chunk/ },
    },
    half(await (await rgb()).png().toBuffer()),
  );
  await add(
    { file: 'empty.jpg', format: 'jpeg', expected: { status: 'failed', reason: /^empty file \(0 bytes\)$/ } },
    Buffer.alloc(0),
  );
  await add(
    {
      file: 'not-an-image.jpg',
      format: 'jpeg',
      expected: { status: 'failed', reason: /^not a decodable image: / },
    },
    'This is a text file with a .jpg name.\n',
  );
  await add(
    {
      file: 'decompression-bomb.png',
      format: 'png',
      expected: { status: 'failed', reason: /^image too large: 40000x40000 is 1600 megapixels/ },
    },
    pngHeaderOnly(40000, 40000),
  );
  return fixtures;
}

/** A PNG that declares a huge size and holds almost no pixel data (a "decompression bomb" probe). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length, 0);
    const name = Buffer.from(type, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([name, data])), 0);
    return Buffer.concat([length, name, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(1000))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
