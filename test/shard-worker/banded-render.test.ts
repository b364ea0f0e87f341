import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computePyramid } from '../../src/iiif/image-api/compute-pyramid.js';
import { contentKey, type FileContent, wholeLevel } from '../../src/iiif/image-api/list-tile-set.js';
import { decodeSource } from '../../src/shard-worker/decode-source.js';
import { ImageFailure } from '../../src/shard-worker/image-failure.js';
import type { PixelLimits } from '../../src/shard-worker/pixels.js';
import { renderPyramid } from '../../src/shard-worker/render-pyramid.js';
import { photoRaw } from './helpers/fixtures.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'banded-render-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Decoding to memory or rendering while decoding, by these limits. */
const IN_MEMORY: PixelLimits = { inMemoryBytes: 1e9, mappedBytes: 1e9, bandedAboveBytes: Number.POSITIVE_INFINITY };
const BANDED: PixelLimits = { inMemoryBytes: 0, mappedBytes: 0, bandedAboveBytes: 0 };

/** Every tile of every level and every whole level that spans several tiles. */
function everything(pyramid: ReturnType<typeof computePyramid>): FileContent[] {
  const contents: FileContent[] = [];
  for (const level of pyramid.levels) {
    for (let row = 0; row < level.rows; row++) {
      for (let column = 0; column < level.columns; column++) {
        contents.push({ kind: 'tile', level: level.index, column, row });
      }
    }
    const whole = wholeLevel(pyramid, level.index);
    if (whole.kind === 'level') contents.push(whole);
  }
  return contents;
}

/** Decode `source` with `limits` and render every file of its pyramid; the JPEGs by content key. */
async function renderAll(
  source: string,
  tileSize: number,
  limits: PixelLimits,
): Promise<{ kind: string; files: Map<string, Buffer>; leftover: string[] }> {
  const work = await mkdtemp(join(dir, 'work-'));
  const decoded = await decodeSource(source, work, 'tiff', tileSize, limits, { fullResolutionWanted: () => true });
  const pyramid = computePyramid({ width: decoded.width, height: decoded.height, tileSize, fullMaxSize: 65535 });
  const wanted = new Set(everything(pyramid).map(contentKey));
  const files = new Map<string, Buffer>();
  await renderPyramid({
    base: decoded.pixels,
    pyramid,
    wants: (content) => wanted.has(contentKey(content)),
    workDir: work,
    limits,
    quality: 85,
    concurrency: 3,
    emit: async (content, jpeg) => {
      expect(files.has(contentKey(content)), contentKey(content)).toBe(false);
      files.set(contentKey(content), jpeg);
    },
  });
  expect([...files.keys()].sort()).toEqual([...wanted].sort());
  const leftover = (await readdir(work)).filter((name) => !name.startsWith('base.'));
  return { kind: decoded.pixels.kind, files, leftover };
}

/** Mean absolute difference (0-255) of two JPEGs' pixels, or Infinity when their sizes differ. */
async function meanDifference(a: Buffer, b: Buffer): Promise<number> {
  const first = await sharp(a).raw().toBuffer({ resolveWithObject: true });
  const second = await sharp(b).raw().toBuffer({ resolveWithObject: true });
  if (first.info.width !== second.info.width || first.info.height !== second.info.height) return Infinity;
  let sum = 0;
  for (let index = 0; index < first.data.length; index++) {
    sum += Math.abs((first.data[index] as number) - (second.data[index] as number));
  }
  return sum / first.data.length;
}

describe('Function: renderPyramid, rendering while a large source decodes', () => {
  const cases = [
    {
      label: '16-bit RGB, tile 256, even size',
      width: 1024,
      height: 768,
      tileSize: 256,
      grey: false,
      exact: true,
      deep: true,
    },
    { label: 'RGB, tile 256, even size', width: 2000, height: 1200, tileSize: 256, grey: false, exact: true },
    { label: 'RGB, tile 256, odd size', width: 1999, height: 1201, tileSize: 256, grey: false, exact: false },
    { label: 'grey, odd tile size 255, odd size', width: 1201, height: 1333, tileSize: 255, grey: true, exact: false },
  ];
  for (const shape of cases) {
    it(`publishes the same files as a decode to memory: ${shape.label}`, async () => {
      // Prepare
      const source = join(dir, `${shape.width}x${shape.height}-${shape.grey ? 'grey' : 'rgb'}.tif`);
      const raw = await photoRaw(shape.width, shape.height);
      await (shape.grey ? raw.toColourspace('b-w') : 'deep' in shape ? raw.toColourspace('rgb16') : raw)
        .tiff({ compression: 'lzw', predictor: 'horizontal' })
        .toFile(source);

      // Act
      const banded = await renderAll(source, shape.tileSize, BANDED);
      const reference = await renderAll(source, shape.tileSize, IN_MEMORY);

      // Assess
      expect(banded.kind).toBe('bands');
      expect(reference.kind).toBe('raw');
      expect(banded.leftover).toEqual([]);
      for (const [key, jpeg] of reference.files) {
        const other = banded.files.get(key) as Buffer;
        const channels = (await sharp(other).metadata()).channels;
        expect(channels, key).toBe(shape.grey ? 1 : 3);
        // Full-resolution files come from the same pixels, and so do reduced levels of even sizes
        // (each band is halved with margins, exactly as the whole image is). An odd height is halved
        // by exactly 2 band by band but by H/ceil(H/2) whole: sub-pixel shifts, far below a misplaced row.
        const difference = await meanDifference(jpeg, other);
        const exact = shape.exact || key.startsWith('tile/0/') || key === 'level/0';
        expect(difference, key).toBeLessThan(exact ? 0.01 : 3);
      }
    });
  }

  it('notices a misplaced band: the reference differs clearly from another image', async () => {
    // Prepare
    const a = join(dir, 'a.tif');
    const b = join(dir, 'b.tif');
    await (await photoRaw(600, 600)).tiff({ compression: 'lzw' }).toFile(a);
    await (await photoRaw(600, 600, 16)).tiff({ compression: 'lzw' }).toFile(b);

    // Act
    const first = await renderAll(a, 256, BANDED);
    const second = await renderAll(b, 256, BANDED);

    // Assess
    const key = [...first.files.keys()][0] as string;
    expect(await meanDifference(first.files.get(key) as Buffer, second.files.get(key) as Buffer)).toBeGreaterThan(5);
  });

  it('fails the image with a reason when the source turns out truncated', async () => {
    // Prepare
    const source = join(dir, 'truncated.tif');
    await (await photoRaw(1500, 1200)).tiff({ compression: 'lzw' }).toFile(source);
    const bytes = await readFile(source);
    // Keep the header at the end of the file (libvips writes the directory last) but lose strips.
    const cut = Buffer.concat([
      bytes.subarray(0, 8),
      Buffer.alloc(bytes.length / 2 - 8),
      bytes.subarray(bytes.length / 2),
    ]);
    await writeFile(source, cut.subarray(0, Math.floor(bytes.length * 0.7)));

    // Act
    const act = renderAll(source, 256, BANDED);

    // Assess
    await expect(act).rejects.toBeInstanceOf(ImageFailure);
  });

  it('decodes a source that needs rotation into memory or a file first, never band by band', async () => {
    // Prepare
    const source = join(dir, 'rotated.jpg');
    await (await photoRaw(700, 500)).withMetadata({ orientation: 6 }).jpeg().toFile(source);
    const work = await mkdtemp(join(dir, 'rotated-'));

    // Act
    const decoded = await decodeSource(source, work, 'jpeg', 256, BANDED);

    // Assess
    expect(decoded.pixels.kind).toBe('file');
    expect({ width: decoded.width, height: decoded.height }).toEqual({ width: 500, height: 700 });
  });
});
