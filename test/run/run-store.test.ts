import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunRecordError } from '../../src/errors.js';
import { shardRecord } from '../../src/run/compact-images.js';
import type { PlannedImage, RunRecord } from '../../src/run/run-records.js';
import { ITEMS_PER_PART, RunStore } from '../../src/run/run-store.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { parseTaskFile } from '../../src/task/parse-task-file.js';
import { legacyTaskFile } from '../helpers/task-file.js';

const task = parseTaskFile(JSON.stringify(legacyTaskFile()));

function runRecord(runId: string): RunRecord {
  return {
    runId,
    createdAt: '2026-11-25T00:00:00.000Z',
    source: { location: 'tasks/a.json' },
    task,
    counts: { items: 1, images: 2, ignored: 0, shards: 2 },
    ignoredSample: [],
  };
}

describe('Class: RunStore', () => {
  let root: string;
  let store: RunStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'run-store-'));
    store = new RunStore(new FsStorage(root), { bucket: '_iiif-batch', prefix: '' });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates a run once and lays out its records as documented', async () => {
    // Act
    const first = await store.createRun(runRecord('r1'));
    const second = await store.createRun(runRecord('r1'));
    await store.putShard({ runId: 'r1', shard: 7, shardCount: 8, task, items: [], estimatedSeconds: 0 });

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(store.describe('r1', 'run.json')).toBe(join(root, '_iiif-batch', 'runs', 'r1', 'run.json'));
    expect((await store.getShard('r1', 7)).shard).toBe(7);
    expect(store.runKey('r1', 'shards/00007.json')).toBe('runs/r1/shards/00007.json');
  });

  it('writes the item list in parts of ITEMS_PER_PART items on one line each, and reads it back in order', async () => {
    // Prepare
    const items = Array.from({ length: 2 * ITEMS_PER_PART + 3 }, (_, index) => ({
      id: `Folder${index}`,
      folder: `Box/Folder${index}`,
      images: [{ name: 'p1', sourceKey: `Box/Folder${index}/p1.jpg` }],
    }));

    // Act
    await store.putItems('r1', items);

    // Assess
    expect(await store.getItems('r1')).toEqual(items);
    const parts = await readdir(join(root, '_iiif-batch', 'runs', 'r1', 'items'));
    expect(parts.sort()).toEqual(['00000.json', '00001.json', '00002.json']);
    const last = await readFile(join(root, '_iiif-batch', 'runs', 'r1', 'items', '00002.json'), 'utf8');
    expect(last.trimEnd().split('\n')).toHaveLength(1);
  });

  it('stores shard images grouped by item with file names, and reads them back whole', async () => {
    // Prepare
    const images: PlannedImage[] = [
      {
        item: 'F1',
        sourceKey: 'Box/F1/Access/a.tif',
        name: 'a_p1',
        format: 'tiff',
        bytes: 9,
        etag: '"e1"',
        page: 1,
        pages: 2,
      },
      {
        item: 'F1',
        sourceKey: 'Box/F1/Access/a.tif',
        name: 'a_p2',
        format: 'tiff',
        bytes: 9,
        etag: '"e1"',
        page: 2,
        pages: 2,
      },
      { item: 'F1', sourceKey: 'Box/F1/Access/b.jpg', name: 'b', format: 'jpeg', bytes: 5, etag: '"e2"' },
      { item: 'F2', sourceKey: 'Box/F2/c.unknown', name: 'c', format: 'jpeg', bytes: 1, etag: 'x' },
      { item: 'F3', sourceKey: 'top.png', name: 'top', format: 'png', bytes: 2, etag: 'y' },
    ];
    const description = { runId: 'r1', shard: 0, shardCount: 1, task, images, estimatedSeconds: 3 };

    // Act
    await store.putShard(shardRecord(description));

    // Assess
    expect(await store.getShard('r1', 0)).toEqual(description);
    const stored = JSON.parse(await readFile(join(root, '_iiif-batch', 'runs', 'r1', 'shards', '00000.json'), 'utf8'));
    expect(stored.items.map((item: { id: string; folder: string }) => [item.id, item.folder])).toEqual([
      ['F1', 'Box/F1/Access'],
      ['F2', 'Box/F2'],
      ['F3', ''],
    ]);
    expect(stored.items[0].images[2]).toEqual({ name: 'b', file: 'b.jpg', bytes: 5, etag: '"e2"' });
  });

  it('reads shard descriptions and item parts written before images were compact', async () => {
    // Prepare
    const image: PlannedImage = {
      item: 'F1',
      sourceKey: 'Box/F1/a.jpg',
      name: 'a',
      format: 'jpeg',
      bytes: 1,
      etag: 'e',
    };
    const item = { id: 'F1', folder: 'Box/F1', images: [{ name: 'a', sourceKey: 'Box/F1/a.jpg' }] };
    const runs = new FsStorage(root);
    await runs.put(
      '_iiif-batch',
      'runs/r1/shards/00000.json',
      JSON.stringify({ runId: 'r1', shard: 0, images: [image] }),
    );
    await runs.put('_iiif-batch', 'runs/r1/items/00000.json', JSON.stringify({ runId: 'r1', part: 0, items: [item] }));

    // Act / Assess
    expect((await store.getShard('r1', 0)).images).toEqual([image]);
    expect(await store.getItems('r1')).toEqual([item]);
  });

  it('puts records under a prefix when the state location has one', () => {
    // Prepare
    const prefixed = new RunStore(new FsStorage(root), { bucket: 'tasks', prefix: 'iiif-batch' });

    // Act / Assess
    expect(prefixed.runKey('r1', 'report.json')).toBe('iiif-batch/runs/r1/report.json');
  });

  it('names the run and the missing record when a run is unknown', async () => {
    // Act / Assess
    await expect(store.getRun('nope')).rejects.toBeInstanceOf(RunRecordError);
    await expect(store.getRun('nope')).rejects.toThrow(/No run "nope" at .*runs\/nope\/run.json/);
    await expect(store.getItems('nope')).rejects.toThrow(/Run "nope" has no items at .*runs\/nope\/items/);
    expect(await store.findRun('nope')).toBeUndefined();
    expect(await store.getResult('nope', 0)).toBeUndefined();
  });

  it('lists run ids and attempts in order', async () => {
    // Prepare
    await store.createRun(runRecord('b-run'));
    await store.createRun(runRecord('a-run'));
    for (const attempt of [2, 1, 10]) {
      await store.putAttempt({
        runId: 'a-run',
        attempt,
        createdAt: '2026-11-25T00:00:00.000Z',
        shards: [attempt],
        launcher: 'local',
        status: 'launched',
      });
    }

    // Act
    const ids: string[] = [];
    for await (const id of store.listRunIds()) ids.push(id);
    const attempts = await store.listAttempts('a-run');

    // Assess
    expect(ids).toEqual(['a-run', 'b-run']);
    expect(attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 10]);
  });

  it('maps a child of a later attempt to its original shard', async () => {
    // Prepare
    await store.putAttempt({
      runId: 'r1',
      attempt: 2,
      createdAt: '2026-11-25T00:00:00.000Z',
      shards: [3, 9],
      launcher: 'batch',
      status: 'launching',
    });

    // Act / Assess
    expect(await store.shardForChild('r1', 1, 5)).toBe(5);
    expect(await store.shardForChild('r1', 2, 0)).toBe(3);
    expect(await store.shardForChild('r1', 2, 1)).toBe(9);
    await expect(store.shardForChild('r1', 2, 2)).rejects.toThrow(/covers 2 shards; there is no child 2/);
    await expect(store.shardForChild('r1', 3, 0)).rejects.toThrow(/has no attempt 3/);
  });
});
