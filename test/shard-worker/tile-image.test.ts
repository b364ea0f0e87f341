import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { ImageResult } from '../../src/run/image-result.js';
import type { PlannedImage, StateLocation } from '../../src/run/run-records.js';
import { publishedMarkerKey } from '../../src/shard-worker/published-marker.js';
import { INFO_CACHE_CONTROL, TILE_CACHE_CONTROL, tileImage } from '../../src/shard-worker/tile-image.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import type { Task } from '../../src/task/task.js';
import { RecordingStorage } from '../helpers/recording-storage.js';
import { checkPublishedService } from './helpers/check-published-service.js';
import { type Fixture, photoRaw, writeInputFixtures } from './helpers/fixtures.js';
import { itPublishesShapes, placeSource, SERVICE_PREFIX, uniqueTask } from './helpers/tile-shapes.js';

const STATE: StateLocation = { bucket: '_iiif-batch', prefix: '' };

/** A storage whose deletes do nothing (a publication whose clean-up never happened). */
class KeepingStorage extends RecordingStorage {
  public override async delete(): Promise<void> {}
}
const NO_WAIT = { attempts: 4, baseDelayMs: 0, maxDelayMs: 0 };

let root: string;
let storage: FsStorage;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tile-image-test-'));
  storage = new FsStorage(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Put a source into the source bucket and describe it as the planner would. */
function source(task: Task, file: string, bytes: Buffer | string, format: PlannedImage['format']) {
  return placeSource(storage, task, file, bytes, format);
}

describe('Function: tileImage, image shapes judged by OpenSeadragon', () => {
  // The two largest shapes are in tile-image-shapes.slow.test.ts (the full tier).
  itPublishesShapes(
    () => storage,
    [
      { label: 'smaller than one tile', width: 300, height: 200 },
      { label: 'exactly one tile', width: 512, height: 512 },
      { label: 'narrow', width: 100, height: 3000 },
      { label: 'tall', width: 700, height: 4100 },
      { label: 'wide', width: 6000, height: 150 },
    ],
  );

  it('has a pixel check that notices a tile from the wrong place', async () => {
    // Prepare
    const task = uniqueTask();
    const bytes = await (await photoRaw(1500, 1100, 40)).jpeg({ quality: 90 }).toBuffer();
    const { image, serviceKey } = await source(task, 'swapped.jpg', bytes, 'jpeg');
    await tileImage({ storage, logger: silentLogger }, { task, image });
    const first = `${serviceKey}/0,0,512,512/512,512/0/default.jpg`;
    const second = `${serviceKey}/512,0,512,512/512,512/0/default.jpg`;
    const [a, b] = [await storage.getBytes(task.destBucket, first), await storage.getBytes(task.destBucket, second)];
    await storage.put(task.destBucket, first, b);
    await storage.put(task.destBucket, second, a);

    // Act
    const act = checkPublishedService(storage, task.destBucket, serviceKey, bytes);

    // Assess
    await expect(act).rejects.toThrow(/0,0,512,512\/512,512\/0\/default.jpg: mean difference/);
  });

  it('caps full/max and sizes with maxWidth/maxHeight (v3)', async () => {
    // Prepare
    const task = uniqueTask({ fullMaxSize: 1000 });
    const bytes = await (await photoRaw(3497, 2501)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'capped.jpg', bytes, 'jpeg');

    // Act
    const result = await tileImage({ storage, logger: silentLogger }, { task, image });

    // Assess
    const published = await checkPublishedService(storage, task.destBucket, serviceKey);
    expect(published.info).toMatchObject({ width: 3497, height: 2501, maxWidth: 875, maxHeight: 626 });
    expect(result.image?.full).toEqual({ width: 875, height: 626 });
    const full = await sharp(
      await storage.getBytes(task.destBucket, `${serviceKey}/full/max/0/default.jpg`),
    ).metadata();
    expect([full.width, full.height]).toEqual([875, 626]);
  });

  it('caps full/full in the 2.1 profile description', async () => {
    // Prepare
    const task = uniqueTask({ fullMaxSize: 1000, imageApiVersion: 2 });
    const bytes = await (await photoRaw(2500, 1200)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'capped2.jpg', bytes, 'jpeg');

    // Act
    await tileImage({ storage, logger: silentLogger }, { task, image });

    // Assess
    const published = await checkPublishedService(storage, task.destBucket, serviceKey);
    expect((published.info.profile as unknown[])[1]).toMatchObject({ maxWidth: 625, maxHeight: 300 });
  });
});

describe('Function: tileImage, how it publishes', () => {
  it('sets content types and cache control, and writes info.json last', async () => {
    // Prepare
    const task = uniqueTask();
    const recording = new RecordingStorage(storage);
    const bytes = await (await photoRaw(1500, 1000)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'headers.jpg', bytes, 'jpeg');

    // Act
    await tileImage({ storage: recording, logger: silentLogger, uploadConcurrency: 3 }, { task, image });

    // Assess
    const puts = recording.calls.filter((call) => call.op === 'put' && call.bucket === task.destBucket);
    expect(puts.at(-1)?.key).toBe(`${serviceKey}/info.json`);
    expect(puts.at(-1)?.options).toEqual({
      contentType: 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"',
      cacheControl: INFO_CACHE_CONTROL,
    });
    for (const put of puts.slice(0, -1)) {
      expect(put.key.endsWith('.jpg')).toBe(true);
      expect(put.options).toEqual({ contentType: 'image/jpeg', cacheControl: TILE_CACHE_CONTROL });
    }
    expect(TILE_CACHE_CONTROL).toBe('public, max-age=31536000, immutable');
    expect(new Set(puts.map((put) => put.key)).size).toBe(puts.length);
  });

  it('retries transient storage errors and still publishes everything', async () => {
    // Prepare
    const task = uniqueTask();
    const recording = new RecordingStorage(storage);
    const failed = new Set<string>();
    recording.failWith = (call) => {
      if (call.op !== 'put' && call.op !== 'getStream') return undefined;
      if (failed.has(`${call.op} ${call.key}`)) return undefined;
      failed.add(`${call.op} ${call.key}`);
      return new StorageError('503 Slow Down', { bucket: call.bucket, key: call.key, transient: true });
    };
    const bytes = await (await photoRaw(1200, 900)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'flaky.jpg', bytes, 'jpeg');

    // Act
    const result = await tileImage({ storage: recording, logger: silentLogger, retry: NO_WAIT }, { task, image });

    // Assess
    expect(result.status).toBe('tiled');
    await checkPublishedService(storage, task.destBucket, serviceKey);
    expect(failed.size).toBeGreaterThan(5);
  });

  it('rejects with the storage error when storage keeps failing, leaving no info.json', async () => {
    // Prepare
    const task = uniqueTask();
    const recording = new RecordingStorage(storage);
    let puts = 0;
    recording.failWith = (call) =>
      call.op === 'put' && ++puts > 4
        ? new StorageError('500 Internal Error', { bucket: call.bucket, key: call.key, transient: true })
        : undefined;
    const bytes = await (await photoRaw(1200, 900)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'broken-store.jpg', bytes, 'jpeg');

    // Act
    const act = tileImage({ storage: recording, logger: silentLogger, retry: NO_WAIT }, { task, image });

    // Assess
    await expect(act).rejects.toThrow(StorageError);
    expect(await storage.head(task.destBucket, `${serviceKey}/info.json`)).toBeUndefined();
  });

  it('fails an image whose source disappeared after planning', async () => {
    // Prepare
    const task = uniqueTask();
    const bytes = await (await photoRaw(600, 400)).jpeg().toBuffer();
    const { image } = await source(task, 'gone.jpg', bytes, 'jpeg');
    await storage.delete(task.srcBucket, image.sourceKey);

    // Act
    const result = await tileImage({ storage, logger: silentLogger }, { task, image });

    // Assess
    expect(result).toMatchObject({ status: 'failed', sourceEtag: image.etag, sourceBytes: image.bytes });
    expect(result.reason).toBe(`source not found: ${storage.describe(task.srcBucket, image.sourceKey)}`);
  });

  it('stores the bytes published under two names once in a filesystem store: full/max and the full-size sizes file', async () => {
    // Prepare
    const task = uniqueTask();
    const bytes = await (await photoRaw(1500, 1000)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'twice.jpg', bytes, 'jpeg');

    // Act
    const result = await tileImage({ storage, logger: silentLogger }, { task, image });

    // Assess: one file (one inode) under both names; the service is complete.
    const fileOf = (path: string) => join(root, task.destBucket, ...serviceKey.split('/'), ...path.split('/'));
    const max = await stat(fileOf('full/max/0/default.jpg'));
    const full = await stat(fileOf('full/1500,1000/0/default.jpg'));
    expect(full.ino).toBe(max.ino);
    expect(max.nlink).toBe(2);
    const files = (await readdir(fileOf(''), { recursive: true, withFileTypes: true })).filter((entry) =>
      entry.isFile(),
    );
    expect(result).toMatchObject({ status: 'tiled', tileCount: files.length });
    await checkPublishedService(storage, task.destBucket, serviceKey);
  });

  it('leaves no working files behind', async () => {
    // Prepare
    const task = uniqueTask();
    const tempDir = join(root, 'work');
    await mkdir(tempDir, { recursive: true });
    const good = await (await photoRaw(900, 700)).jpeg().toBuffer();
    const { image } = await source(task, 'clean.jpg', good, 'jpeg');
    const { image: bad } = await source(task, 'clean-bad.jpg', good.subarray(0, 2000), 'jpeg');

    // Act
    await tileImage({ storage, logger: silentLogger, tempDir }, { task, image });
    await tileImage({ storage, logger: silentLogger, tempDir }, { task, image: bad });

    // Assess
    expect(await readdir(tempDir)).toEqual([]);
  });
});

describe('Function: tileImage, inputs a library holds', () => {
  let fixtures: Fixture[];
  const results = new Map<string, ImageResult>();
  const task = uniqueTask();

  beforeAll(async () => {
    const dir = join(root, 'fixtures');
    await mkdir(dir, { recursive: true });
    fixtures = await writeInputFixtures(dir);
    for (const fixture of fixtures) {
      const bytes = await readFile(join(dir, fixture.file));
      const { image } = await source(task, fixture.file, bytes, fixture.format);
      results.set(fixture.file, await tileImage({ storage, logger: silentLogger }, { task, image }));
    }
  });

  it('gives every input the right status and reason', () => {
    // Assess
    for (const fixture of fixtures) {
      const result = results.get(fixture.file);
      if (fixture.expected.status === 'failed') {
        expect(result?.status, fixture.file).toBe('failed');
        expect(result?.reason, fixture.file).toMatch(fixture.expected.reason);
        expect(result?.image, fixture.file).toBeUndefined();
      } else {
        expect(result?.status, `${fixture.file}: ${result?.reason}`).toBe('tiled');
        expect([result?.image?.width, result?.image?.height], fixture.file).toEqual([
          fixture.expected.width,
          fixture.expected.height,
        ]);
        const warnings = result?.warnings ?? [];
        const said = warnings.map((warning) => `[${warning.code}] ${warning.message}`);
        expect(said.length, `${fixture.file}: ${said.join('; ')}`).toBe(fixture.expected.warnings?.length ?? 0);
        for (const [index, warning] of (fixture.expected.warnings ?? []).entries()) {
          expect(said[index]).toMatch(warning);
          // Each names the item and the file it is about.
          expect(warnings[index]?.file).toBe(result?.sourceKey);
          expect(warnings[index]?.item).toBe(result?.item);
        }
      }
    }
  });

  it('publishes a complete, viewer-proof service for every decodable input, matching its pixels', async () => {
    // Assess
    for (const fixture of fixtures.filter((f) => f.expected.status === 'tiled')) {
      const serviceKey = results.get(fixture.file)?.image?.serviceKey as string;
      const source = await readFile(join(root, 'fixtures', fixture.file));
      try {
        await checkPublishedService(storage, task.destBucket, serviceKey, source);
      } catch (error) {
        throw new Error(`${fixture.file}: ${(error as Error).message}`);
      }
    }
  });

  it('publishes nothing for inputs that failed', async () => {
    // Assess
    for (const fixture of fixtures.filter((f) => f.expected.status === 'failed')) {
      const name = fixture.file.replace(/\.[^.]+$/, '');
      const keys: string[] = [];
      for await (const object of storage.list(task.destBucket, `${SERVICE_PREFIX}/${name}/`)) keys.push(object.key);
      expect(keys, fixture.file).toEqual([]);
    }
  });

  it('converts to 8-bit sRGB (or grey), applies EXIF orientation and flattens alpha onto white', async () => {
    // Prepare
    const read = async (file: string, path: string) => {
      const serviceKey = results.get(file)?.image?.serviceKey as string;
      return storage.getBytes(task.destBucket, `${serviceKey}/${path}`);
    };

    // Act
    const grey = await sharp(await read('grey16.tif', 'full/max/0/default.jpg')).metadata();
    const cmyk = await sharp(await read('cmyk.jpg', 'full/max/0/default.jpg')).metadata();
    const rgb16 = await sharp(await read('rgb16.tif', '0,0,512,512/512,512/0/default.jpg')).metadata();
    const rotated = await sharp(await read('rotated.jpg', 'full/max/0/default.jpg')).metadata();
    const alpha = await sharp(await read('alpha.png', 'full/max/0/default.jpg'))
      .raw()
      .toBuffer({ resolveWithObject: true });

    // Assess
    expect([grey.channels, grey.depth]).toEqual([1, 'uchar']);
    expect([cmyk.channels, cmyk.space, cmyk.depth]).toEqual([3, 'srgb', 'uchar']);
    expect([rgb16.channels, rgb16.depth]).toEqual([3, 'uchar']);
    expect([rotated.width, rotated.height, rotated.orientation]).toEqual([600, 900, undefined]);
    const pixel = (x: number, y: number) => [
      ...alpha.data.subarray((y * alpha.info.width + x) * 3, (y * alpha.info.width + x) * 3 + 3),
    ];
    for (const channel of pixel(10, 10)) expect(channel).toBeGreaterThan(245);
    const [r, g, b] = pixel(600, 350);
    expect(b).toBeGreaterThan(150);
    expect((r ?? 0) + (g ?? 0)).toBeLessThan(60);
  });
});

describe('Function: tileImage, resuming', () => {
  it('skips an image published from the same source and settings after one listing of its service and its info.json', async () => {
    // Prepare
    const task = uniqueTask();
    const recording = new RecordingStorage(storage);
    const bytes = await (await photoRaw(2000, 1400)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'resume.jpg', bytes, 'jpeg');
    const first = await tileImage({ storage: recording, logger: silentLogger }, { task, image, state: STATE });
    recording.reset();

    // Act
    const second = await tileImage({ storage: recording, logger: silentLogger }, { task, image, state: STATE });

    // Assess
    expect(first.status).toBe('tiled');
    expect(second).toMatchObject({ status: 'skipped', tileCount: 0, bytes: 0, image: first.image });
    expect(second.reason).toMatch(/already published/);
    expect(recording.count('getStream')).toBe(0);
    expect(recording.count('put')).toBe(0);
    expect(recording.calls.map((call) => `${call.op} ${call.bucket}/${call.key}`)).toEqual([
      `head ${task.srcBucket}/${image.sourceKey}`,
      `getBytes ${STATE.bucket}/${publishedMarkerKey(STATE, task.destBucket, serviceKey)}`,
      `list ${task.destBucket}/${serviceKey}/`,
      `getBytes ${task.destBucket}/${serviceKey}/info.json`,
    ]);
  });

  it('tiles again, with a warning, an image whose marker matches but whose service lost files', async () => {
    // Prepare
    const task = uniqueTask();
    const bytes = await (await photoRaw(2000, 1400)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'lost-tile.jpg', bytes, 'jpeg');
    await tileImage({ storage, logger: silentLogger }, { task, image, state: STATE });
    const tiles: string[] = [];
    for await (const object of storage.list(task.destBucket, `${serviceKey}/`)) tiles.push(object.key);
    const lost = tiles.find((key) => key.includes('/512,0,512,512/')) ?? '';
    await storage.delete(task.destBucket, lost);

    // Act
    const rerun = await tileImage({ storage, logger: silentLogger }, { task, image, state: STATE });
    const again = await tileImage({ storage, logger: silentLogger }, { task, image, state: STATE });

    // Assess
    expect(rerun.status).toBe('tiled');
    expect(rerun.warnings).toEqual([
      expect.objectContaining({
        code: 'published-service-incomplete',
        item: image.item,
        file: image.sourceKey,
        message: expect.stringContaining(`1 file missing (${lost}: named by ${serviceKey}/info.json)`),
      }),
    ]);
    await checkPublishedService(storage, task.destBucket, serviceKey);
    // The warning is this run's news: the next run skips the restored service without it.
    expect(again.status).toBe('skipped');
    expect(again.warnings).toBeUndefined();
  });

  it('tiles again an image whose info.json is another service than its marker records (two runs overlapped)', async () => {
    // Prepare: published with tiles of 512 (marker), then another run published tiles of 256 over it
    // (no marker of its own, and its clean-up of the 512 files never happened).
    const task = uniqueTask();
    const bytes = await (await photoRaw(1400, 1000)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'overlap.jpg', bytes, 'jpeg');
    await tileImage({ storage, logger: silentLogger }, { task, image, state: STATE });
    const keepingAll = new KeepingStorage(storage);
    const other = { ...task, settings: { ...task.settings, tileSize: 256 } };
    await tileImage({ storage: keepingAll, logger: silentLogger }, { task: other, image });

    // Act
    const rerun = await tileImage({ storage, logger: silentLogger }, { task, image, state: STATE });

    // Assess
    expect(rerun.status).toBe('tiled');
    expect(rerun.warnings?.[0]?.message).toContain('its info.json describes another service');
    expect(rerun.warnings?.[0]?.message).toContain('tiles of 256');
    const published = await checkPublishedService(storage, task.destBucket, serviceKey);
    expect(published.info).toMatchObject({ tiles: [{ width: 512 }] });
  });

  it('withdraws the marker before publishing a service again, so a publication that dies part-way is never skipped', async () => {
    // Prepare
    const task = uniqueTask();
    const bytes = await (await photoRaw(2500, 1700)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'republished.jpg', bytes, 'jpeg');
    await tileImage({ storage, logger: silentLogger }, { task, image, state: STATE });
    const markerKey = publishedMarkerKey(STATE, task.destBucket, serviceKey);
    const dying = new RecordingStorage(storage);
    let puts = 0;
    dying.failWith = (call) =>
      call.op === 'put' && ++puts > 10
        ? new StorageError('process killed', { bucket: call.bucket, key: call.key, transient: false })
        : undefined;
    const smaller = { ...task, settings: { ...task.settings, tileSize: 256 } };

    // Act
    const died = await tileImage(
      { storage: dying, logger: silentLogger },
      { task: smaller, image, state: STATE },
    ).catch((caught: unknown) => caught);

    // Assess: the marker went before the first new file; the old service is intact until a rerun.
    expect(died).toBeInstanceOf(StorageError);
    const firstWrite = dying.calls.findIndex((call) => call.op === 'put');
    const withdrawal = dying.calls.findIndex((call) => call.op === 'delete' && call.key === markerKey);
    expect(withdrawal).toBeGreaterThanOrEqual(0);
    expect(withdrawal).toBeLessThan(firstWrite);
    expect(await storage.head(STATE.bucket, markerKey)).toBeUndefined();
    const rerun = await tileImage({ storage, logger: silentLogger }, { task: smaller, image, state: STATE });
    expect(rerun.status).toBe('tiled');
    await checkPublishedService(storage, task.destBucket, serviceKey);
  });

  it('retiles a 2.1 service published before it had full/max names, once; 3.0 services are not retiled for it', async () => {
    // Prepare: markers as an older iiif-batch wrote them (no imageApi2Names).
    const forget = async (task: Task, serviceKey: string): Promise<void> => {
      const key = publishedMarkerKey(STATE, task.destBucket, serviceKey);
      const marker = JSON.parse((await storage.getBytes(STATE.bucket, key)).toString('utf8'));
      delete marker.fingerprint.imageApi2Names;
      await storage.put(STATE.bucket, key, JSON.stringify(marker));
    };
    const bytes = await (await photoRaw(90, 56)).jpeg().toBuffer();
    const v2 = uniqueTask({ imageApiVersion: 2 });
    const v3 = uniqueTask({ imageApiVersion: 3 });
    const old2 = await source(v2, 'small.jpg', bytes, 'jpeg');
    const old3 = await source(v3, 'small.jpg', bytes, 'jpeg');
    await tileImage({ storage, logger: silentLogger }, { task: v2, image: old2.image, state: STATE });
    await tileImage({ storage, logger: silentLogger }, { task: v3, image: old3.image, state: STATE });
    await forget(v2, old2.serviceKey);
    await forget(v3, old3.serviceKey);
    await storage.delete(v2.destBucket, `${old2.serviceKey}/full/max/0/default.jpg`);

    // Act
    const again2 = await tileImage({ storage, logger: silentLogger }, { task: v2, image: old2.image, state: STATE });
    const once2 = await tileImage({ storage, logger: silentLogger }, { task: v2, image: old2.image, state: STATE });
    const again3 = await tileImage({ storage, logger: silentLogger }, { task: v3, image: old3.image, state: STATE });

    // Assess
    expect([again2.status, once2.status, again3.status]).toEqual(['tiled', 'skipped', 'skipped']);
    for (const path of ['full/full/0/default.jpg', 'full/max/0/default.jpg']) {
      expect(await sharp(await storage.getBytes(v2.destBucket, `${old2.serviceKey}/${path}`)).metadata()).toMatchObject(
        {
          width: 90,
          height: 56,
        },
      );
    }
  });

  it('tiles again with FORCE_RETILE, after a source change, or after a settings change (removing stale files)', async () => {
    // Prepare
    const task = uniqueTask();
    const bytes = await (await photoRaw(2000, 1400)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'changes.jpg', bytes, 'jpeg');
    await tileImage({ storage, logger: silentLogger }, { task, image, state: STATE });
    await writeFile(join(root, task.destBucket, serviceKey, 'vips-properties.xml'), '<properties/>');

    // Act
    const forced = await tileImage(
      { storage, logger: silentLogger },
      { task: { ...task, settings: { ...task.settings, forceRetile: true } }, image, state: STATE },
    );
    const smallerTiles = { ...task, settings: { ...task.settings, tileSize: 256 } };
    const resized = await tileImage({ storage, logger: silentLogger }, { task: smallerTiles, image, state: STATE });
    await storage.put(task.srcBucket, image.sourceKey, await (await photoRaw(1000, 1400)).jpeg().toBuffer());
    const changed = await tileImage({ storage, logger: silentLogger }, { task: smallerTiles, image, state: STATE });
    const unchanged = await tileImage({ storage, logger: silentLogger }, { task: smallerTiles, image, state: STATE });

    // Assess
    expect(forced.status).toBe('tiled');
    expect(resized.status).toBe('tiled');
    expect(changed.status).toBe('tiled');
    expect(changed.image).toMatchObject({ width: 1000, height: 1400 });
    expect(unchanged.status).toBe('skipped');
    const published = await checkPublishedService(storage, task.destBucket, serviceKey);
    expect(published.info).toMatchObject({ width: 1000, tiles: [{ width: 256, height: 256 }] });
  });

  it('finishes the job when rerun after a worker died halfway through publishing', async () => {
    // Prepare
    const task = uniqueTask();
    const dying = new RecordingStorage(storage);
    let puts = 0;
    dying.failWith = (call) =>
      call.op === 'put' && ++puts > 10
        ? new StorageError('process killed', { bucket: call.bucket, key: call.key, transient: false })
        : undefined;
    const bytes = await (await photoRaw(2500, 1700)).jpeg().toBuffer();
    const { image, serviceKey } = await source(task, 'killed.jpg', bytes, 'jpeg');
    await expect(tileImage({ storage: dying, logger: silentLogger }, { task, image, state: STATE })).rejects.toThrow(
      'process killed',
    );

    // Act
    const rerun = await tileImage({ storage, logger: silentLogger }, { task, image, state: STATE });

    // Assess
    expect(rerun.status).toBe('tiled');
    await checkPublishedService(storage, task.destBucket, serviceKey);
  });
});
