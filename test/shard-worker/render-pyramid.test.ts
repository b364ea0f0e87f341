import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computePyramid } from '../../src/iiif/image-api/compute-pyramid.js';
import { contentKey, contentSize, type FileContent, wholeLevel } from '../../src/iiif/image-api/list-tile-set.js';
import { type PixelLimits, storePixels } from '../../src/shard-worker/pixels.js';
import { renderPyramid } from '../../src/shard-worker/render-pyramid.js';
import { photoRaw } from './helpers/fixtures.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'render-pyramid-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every tile of every level, and whole images of the levels from `fromLevel` that span several tiles. */
function everything(pyramid: ReturnType<typeof computePyramid>, fromLevel: number): FileContent[] {
  const contents: FileContent[] = [];
  for (const level of pyramid.levels) {
    for (let row = 0; row < level.rows; row++) {
      for (let column = 0; column < level.columns; column++) {
        contents.push({ kind: 'tile', level: level.index, column, row });
      }
    }
    const whole = wholeLevel(pyramid, level.index);
    if (level.index >= fromLevel && whole.kind === 'level') contents.push(whole);
  }
  return contents;
}

describe('Function: renderPyramid', () => {
  const cases: { label: string; limits: PixelLimits; baseFile: RegExp | undefined }[] = [
    { label: 'pixels in memory', limits: { inMemoryBytes: 1e9 }, baseFile: undefined },
    { label: 'tiled TIFF pixel files', limits: { inMemoryBytes: 0 }, baseFile: /base\.tif$/ },
  ];
  for (const settings of cases) {
    it(`renders every wanted tile and whole level at its exact size from ${settings.label}`, async () => {
      // Prepare
      const pyramid = computePyramid({ width: 1999, height: 1201, tileSize: 256, fullMaxSize: 1000 });
      const work = await mkdtemp(join(dir, 'work-'));
      const place = { dir: work, name: 'base', tileSize: 256, limits: settings.limits };
      const base = await storePixels(await photoRaw(1999, 1201), { width: 1999, height: 1201, channels: 3 }, place);
      const wanted = everything(pyramid, pyramid.fullLevel.index);
      const wantedKeys = new Set(wanted.map(contentKey));
      const rendered = new Map<string, Buffer>();

      // Act
      await renderPyramid({
        base,
        pyramid,
        wants: (content) => wantedKeys.has(contentKey(content)),
        workDir: work,
        limits: settings.limits,
        quality: 80,
        concurrency: 3,
        emit: async (content, jpeg) => {
          expect(rendered.has(contentKey(content)), contentKey(content)).toBe(false);
          rendered.set(contentKey(content), jpeg);
        },
      });

      // Assess
      expect([...rendered.keys()].sort()).toEqual([...wantedKeys].sort());
      for (const content of wanted) {
        const metadata = await sharp(rendered.get(contentKey(content))).metadata();
        expect(
          { format: metadata.format, width: metadata.width, height: metadata.height },
          contentKey(content),
        ).toEqual({
          format: 'jpeg',
          ...contentSize(pyramid, content),
        });
      }
      if (settings.baseFile === undefined) expect(base.kind).toBe('raw');
      else expect(base.kind === 'file' ? base.path : '').toMatch(settings.baseFile);
      expect((await readdir(work)).filter((name) => name.startsWith('level-'))).toEqual([]);
    });
  }

  it('keeps grey images grey at every level', async () => {
    // Prepare
    const pyramid = computePyramid({ width: 900, height: 700, tileSize: 256, fullMaxSize: 10000 });
    const work = await mkdtemp(join(dir, 'grey-'));
    const base = await storePixels(
      (await photoRaw(900, 700)).toColourspace('b-w'),
      { width: 900, height: 700, channels: 1 },
      { dir: work, name: 'base', tileSize: 256, limits: { inMemoryBytes: 0 } },
    );
    const channels = new Set<number>();

    // Act
    await renderPyramid({
      base,
      pyramid,
      wants: () => true,
      workDir: work,
      quality: 80,
      concurrency: 2,
      emit: async (_content, jpeg) => {
        channels.add((await sharp(jpeg).metadata()).channels ?? 0);
      },
    });

    // Assess
    expect([...channels]).toEqual([1]);
  });

  it('stops and rejects when a consumer fails', async () => {
    // Prepare
    const pyramid = computePyramid({ width: 1500, height: 1500, tileSize: 256, fullMaxSize: 10000 });
    const work = await mkdtemp(join(dir, 'failing-'));
    const base = await storePixels(
      await photoRaw(1500, 1500),
      { width: 1500, height: 1500, channels: 3 },
      { dir: work, name: 'base', tileSize: 256, limits: { inMemoryBytes: 1e9 } },
    );
    let emitted = 0;

    // Act
    const act = renderPyramid({
      base,
      pyramid,
      wants: () => true,
      workDir: work,
      quality: 80,
      concurrency: 2,
      emit: async () => {
        emitted++;
        if (emitted === 5) throw new Error('upload queue broke');
      },
    });

    // Assess
    await expect(act).rejects.toThrow('upload queue broke');
    expect(emitted).toBeLessThan(10);
  });
});
