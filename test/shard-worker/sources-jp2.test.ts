import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageFailure } from '../../src/shard-worker/image-failure.js';
import { decodeJp2, decodeMemory, OPENJPEG_MEMORY_BYTES, readJp2Header } from '../../src/shard-worker/sources/jp2.js';
import { encodeJp2, opjCompress } from '../helpers/jpeg2000.js';

/** Interleaved test pixels: four coloured quadrants with a gradient, `bits` deep. */
function quadrants(width: number, height: number, components: number, bits: 8 | 16): Uint8Array {
  const bytes = bits / 8;
  const out = new Uint8Array(width * height * components * bytes);
  const view = new DataView(out.buffer);
  const colours = [
    [220, 40, 30],
    [30, 200, 60],
    [40, 50, 210],
    [230, 230, 40],
  ];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)] as number[];
      for (let c = 0; c < components; c++) {
        const value = components === 1 ? Math.round((x * 255) / (width - 1)) : (colour[c] ?? 0);
        const at = ((y * width + x) * components + c) * bytes;
        if (bits === 8) out[at] = value;
        else view.setUint16(at, value * 257 + (x % 200), true);
      }
    }
  }
  return out;
}

describe('Function: decodeJp2', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jp2-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const decode = async (name: string, bytes: Buffer): Promise<string> => {
    const source = join(dir, name);
    const output = join(dir, `${name}.tif`);
    await writeFile(source, bytes);
    await decodeJp2(source, output);
    return output;
  };

  it('decodes a lossless 8-bit RGB JP2 exactly', async () => {
    // Prepare
    const pixels = quadrants(300, 200, 3, 8);
    const jp2 = await encodeJp2(pixels, { width: 300, height: 200, components: 3, bits: 8, lossless: true });

    // Act
    const tiff = await decode('rgb8.jp2', jp2);

    // Assess
    const { data, info } = await sharp(tiff).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([300, 200, 3]);
    expect(Buffer.compare(data, Buffer.from(pixels))).toBe(0);
  });

  const opj = opjCompress();
  it.skipIf(opj === undefined)('decodes a 16-bit RGB JP2 written by opj_compress exactly', async () => {
    // Prepare: the WebAssembly encoder cannot write deep multi-component images.
    const rgb16 = quadrants(256, 128, 3, 16);
    const png = join(dir, 'rgb16.png');
    const samples = new Uint16Array(rgb16.buffer, rgb16.byteOffset, rgb16.byteLength / 2);
    await sharp(samples, { raw: { width: 256, height: 128, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toFile(png);
    const jp2Path = join(dir, 'rgb16.jp2');
    opj?.(png, jp2Path);
    const jp2 = await readFile(jp2Path);

    // Act
    const tiff = await decode('deep.jp2', jp2);

    // Assess
    const meta = await sharp(tiff).metadata();
    expect([meta.depth, meta.channels, meta.width, meta.height]).toEqual(['ushort', 3, 256, 128]);
    const expected = await sharp(png).raw({ depth: 'ushort' }).toBuffer();
    expect(Buffer.compare(await sharp(tiff).raw({ depth: 'ushort' }).toBuffer(), expected)).toBe(0);
  });

  it('decodes lossy, 16-bit grey and bare J2K codestreams', async () => {
    // Prepare
    const grey16 = quadrants(256, 128, 1, 16);
    const grey8 = quadrants(256, 128, 1, 8);
    const lossy = await encodeJp2(quadrants(256, 128, 3, 8), {
      width: 256,
      height: 128,
      components: 3,
      bits: 8,
      lossless: false,
    });
    const deep = await encodeJp2(grey16, { width: 256, height: 128, components: 1, bits: 16, lossless: true });
    const grey = await encodeJp2(grey8, {
      width: 256,
      height: 128,
      components: 1,
      bits: 8,
      lossless: true,
      codestreamOnly: true,
    });

    // Act
    const lossyTiff = await decode('lossy.jp2', lossy);
    const deepTiff = await decode('deep.jpx', deep);
    const greyTiff = await decode('grey.j2k', grey);

    // Assess
    // stats() reads the whole input: cut the top-left quadrant out first.
    const corner = await sharp(lossyTiff).extract({ left: 0, top: 0, width: 100, height: 50 }).png().toBuffer();
    const means = (await sharp(corner).stats()).channels.map((channel) => channel.mean);
    for (const [index, expected] of [220, 40, 30].entries()) {
      expect(Math.abs((means[index] ?? 0) - expected)).toBeLessThan(3);
    }
    const deepMeta = await sharp(deepTiff).metadata();
    expect([deepMeta.depth, deepMeta.channels]).toEqual(['ushort', 1]);
    const deepRaw = await sharp(deepTiff).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    expect(Buffer.compare(deepRaw, Buffer.from(grey16))).toBe(0);
    const greyRaw = await sharp(greyTiff).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect(greyRaw.info.channels).toBe(1);
    expect(Buffer.compare(greyRaw.data, Buffer.from(grey8))).toBe(0);
  });

  it('keeps the ICC profile of the colr box', async () => {
    // Prepare: a Display P3-like profile from libvips, attached to a JP2.
    const withProfile = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const icc = (await sharp(withProfile).metadata()).icc as Buffer;
    const jp2 = await losslessRgbJp2(64, icc);

    // Act
    const tiff = await decode('p3.jp2', jp2);

    // Assess
    expect(Buffer.compare((await sharp(tiff).metadata()).icc as Buffer, icc)).toBe(0);
    expect(readJp2Header(jp2).icc?.length).toBe(icc.length);
  });

  it("refuses, before decoding, a JP2 larger than the decoder's memory, naming the sizes", async () => {
    // Prepare: a small codestream whose SIZ marker claims 20000 x 20000 RGB.
    const jp2 = await losslessRgbJp2(64);
    const header = readJp2Header(jp2);
    const siz = header.codestream.start + 8;
    jp2.writeUInt32BE(20000, siz);
    jp2.writeUInt32BE(20000, siz + 4);

    // Act & Assess
    expect(decodeMemory(readJp2Header(jp2))).toBeGreaterThan(OPENJPEG_MEMORY_BYTES);
    expect(decodeMemory({ ...header, width: 10000, height: 10000 })).toBeLessThan(OPENJPEG_MEMORY_BYTES);
    await expect(decode('huge.jp2', jp2)).rejects.toThrow(
      /^JPEG 2000 too large to decode: 20000x20000x3 needs about 5\.7 GiB, more than the 2\.0 GiB/,
    );
  });

  it('fails clearly on what is not JPEG 2000 or is cut short', async () => {
    // Prepare
    const jp2 = await losslessRgbJp2(128);

    // Act & Assess
    await expect(decode('text.jp2', Buffer.from('not an image at all, just text'))).rejects.toThrow(
      /not a JPEG 2000 file/,
    );
    await expect(decode('cut.jp2', jp2.subarray(0, Math.floor(jp2.length / 2)))).rejects.toBeInstanceOf(ImageFailure);
  });
});

/** A lossless 8-bit RGB JPEG 2000 of `size` x `size` quadrants, with `icc` in its colr box if given. */
function losslessRgbJp2(size: number, icc?: Buffer): Promise<Buffer> {
  return encodeJp2(quadrants(size, size, 3, 8), {
    width: size,
    height: size,
    components: 3,
    bits: 8,
    lossless: true,
    ...(icc === undefined ? {} : { icc }),
  });
}
