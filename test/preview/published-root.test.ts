import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publishedRoot } from '../../src/preview/published-root.js';

describe('Function: publishedRoot', () => {
  let dir: string;

  const file = async (path: string, body = '{}'): Promise<void> => {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), body);
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'published-root-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the one published bucket of a local root', async () => {
    // Prepare
    await file('_iiif-batch/runs/r1/run.json');
    await file('img-src/Coll/F1/a.jpg', 'jpeg');
    await file('img-pub/demo/Coll/collection.json');

    // Act / Assess
    expect(await publishedRoot(dir)).toEqual({ root: join(dir, 'img-pub'), bucket: 'img-pub' });
  });

  it('serves a local root as it is when several buckets hold manifests', async () => {
    // Prepare
    await file('_iiif-batch/runs/r1/run.json');
    await file('pub-a/x/F1/manifest.json');
    await file('pub-b/y/collection.json');

    // Act / Assess
    expect(await publishedRoot(dir)).toEqual({ root: dir, bucket: undefined });
  });

  it('serves a folder that is not a local root as it is', async () => {
    // Prepare
    await file('demo/Coll/collection.json');

    // Act / Assess
    expect(await publishedRoot(dir)).toEqual({ root: dir, bucket: undefined });
    expect(await publishedRoot(join(dir, 'missing'))).toEqual({ root: join(dir, 'missing'), bucket: undefined });
  });
});
