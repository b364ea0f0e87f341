import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { itPublishesShapes } from './helpers/tile-shapes.js';

// The largest shapes of tile-image.test.ts: seconds each, so in the full tier.
let root: string;
let storage: FsStorage;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tile-image-shapes-test-'));
  storage = new FsStorage(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Function: tileImage, large image shapes judged by OpenSeadragon', () => {
  itPublishesShapes(
    () => storage,
    [
      { label: 'odd', width: 3497, height: 2501 },
      { label: 'large', width: 5000, height: 3000 },
    ],
  );
});
