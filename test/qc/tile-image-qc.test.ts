import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { PlannedImage, StateLocation } from '../../src/run/run-records.js';
import { tileImage } from '../../src/shard-worker/tile-image.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { testTask } from '../helpers/test-task.js';
import { type GeneratedPixels, pageJpeg, pagePixels } from './helpers/page-images.js';

const STATE: StateLocation = { bucket: '_iiif-batch', prefix: '' };
let root: string;
let storage: FsStorage;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tile-image-qc-'));
  storage = new FsStorage(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function tile(name: string, page: GeneratedPixels) {
  const task = testTask();
  const key = `${task.accessDir}/Box1/${name}.jpg`;
  await storage.put(task.srcBucket, key, await pageJpeg(page));
  const head = await storage.head(task.srcBucket, key);
  const image: PlannedImage = {
    item: 'Box1',
    sourceKey: key,
    name,
    format: 'jpeg',
    bytes: head?.size ?? 0,
    etag: head?.etag ?? '',
  };
  const deps = { storage, logger: silentLogger, tempDir: join(root, 'tmp') };
  return {
    first: await tileImage(deps, { task, image, state: STATE }),
    again: () => tileImage(deps, { task, image, state: STATE }),
  };
}

describe('Function: tileImage, QC measured while tiling', () => {
  it('stores the measurement and flags of a page cut short, and keeps them when the image is skipped', async () => {
    const { first, again } = await tile('cut', pagePixels({ width: 1200, height: 1600, blackFromRow: 1000 }));
    expect(first.status).toBe('tiled');
    expect(first.qc?.flags).toEqual(['edge-band']);
    expect(first.qc?.edgeBand?.edge).toBe('bottom');
    expect(first.qc?.pixelHash).toMatch(/^[0-9a-f]{32}$/);
    const skipped = await again();
    expect(skipped.status).toBe('skipped');
    expect(skipped.qc).toEqual(first.qc);
  });

  it('measures a large source (decoded beyond memory), and a text page raises no flag', async () => {
    const { first } = await tile('large', pagePixels({ width: 4200, height: 3100, seed: 3 }));
    expect(first.status).toBe('tiled');
    expect(first.qc?.flags).toEqual([]);
    expect(first.qc?.width).toBeLessThanOrEqual(512);
  });
});
