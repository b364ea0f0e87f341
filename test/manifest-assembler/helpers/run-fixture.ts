import { basename } from 'node:path';
import { computePyramid } from '../../../src/iiif/image-api/compute-pyramid.js';
import { imageApiFor } from '../../../src/iiif/image-api/image-api-for.js';
import { listTileSet } from '../../../src/iiif/image-api/list-tile-set.js';
import { shardRecord } from '../../../src/run/compact-images.js';
import type { ImageResult, PublishedImage } from '../../../src/run/image-result.js';
import type { PlannedImage, PlannedItem, ShardResult } from '../../../src/run/run-records.js';
import type { RunStore } from '../../../src/run/run-store.js';
import type { Storage } from '../../../src/storage/storage.js';
import { collectionKey, joinKey, publicUrl, type Task } from '../../../src/task/task.js';
import { RecordingStorage } from '../../helpers/recording-storage.js';
import { publishedImage } from '../../iiif/presentation/helpers/published-image.js';

/** Items of a plan: identifier → source file names (keys under `ACCESS_DIR/{item}/`). */
export function plannedItems(task: Task, files: Record<string, string[]>): PlannedItem[] {
  return Object.entries(files).map(([id, names]) => ({
    id,
    folder: joinKey(task.accessDir, id),
    images: names.map((file) => ({ name: imageName(file), sourceKey: joinKey(task.accessDir, id, file) })),
  }));
}

/** The image name the planner gives a file (its stem, URL-safe). */
export function imageName(file: string): string {
  return basename(file)
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A successful result for one planned image, with a realistic published level-0 service. */
export function publishedResult(
  task: Task,
  item: PlannedItem,
  file: string,
  options: { status?: 'tiled' | 'skipped'; width?: number; height?: number } = {},
): ImageResult {
  const image = findImage(item, file);
  const serviceKey = joinKey(collectionKey(task), item.id, image.name);
  return {
    item: item.id,
    sourceKey: image.sourceKey,
    name: image.name,
    status: options.status ?? 'tiled',
    image: {
      ...publishedImage({
        serviceId: publicUrl(task, serviceKey),
        width: options.width ?? 2400,
        height: options.height ?? 3200,
        version: task.settings.imageApiVersion,
      }),
      serviceKey,
    },
    tileCount: options.status === 'skipped' ? 0 : 40,
    bytes: options.status === 'skipped' ? 0 : 123_456,
    seconds: 1.5,
    sourceEtag: `etag-${image.name}`,
    sourceBytes: 9_876_543,
  };
}

/** A failed result for one planned image. */
export function failedResult(item: PlannedItem, file: string, reason: string): ImageResult {
  const image = findImage(item, file);
  return {
    item: item.id,
    sourceKey: image.sourceKey,
    name: image.name,
    status: 'failed',
    reason,
    sourceEtag: `etag-${image.name}`,
    sourceBytes: 10,
  };
}

function findImage(item: PlannedItem, file: string): PlannedItem['images'][number] {
  const image = item.images.find((candidate) => candidate.sourceKey.endsWith(`/${file}`));
  if (image === undefined) throw new Error(`test fixture: item ${item.id} has no file ${file}`);
  return image;
}

/**
 * Write a run's records as the submitter and the shard workers would: run.json, the item list, one
 * shard description per shard, and a result for each shard whose results are given
 * (`undefined` = the shard never reported).
 */
export async function writeRun(
  runStore: RunStore,
  run: {
    runId: string;
    task: Task;
    items: PlannedItem[];
    /** Per shard: its images' results, or `undefined` when the shard did not report. */
    shards: (ImageResult[] | undefined)[];
    /** Which images each shard was planned with (default: the images of its results). */
    planned?: PlannedImage[][];
    ignored?: number;
  },
): Promise<void> {
  const { runId, task, items } = run;
  const created = await runStore.createRun({
    runId,
    createdAt: '2026-01-02T03:04:05.000Z',
    source: { location: 'test/task.json' },
    task,
    counts: {
      items: items.length,
      images: items.reduce((sum, item) => sum + item.images.length, 0),
      ignored: run.ignored ?? 0,
      shards: run.shards.length,
    },
    ignoredSample: [],
  });
  if (!created) throw new Error(`test fixture: run ${runId} exists`);
  await runStore.putItems(runId, items);
  for (const [shard, results] of run.shards.entries()) {
    const planned =
      run.planned?.[shard] ??
      (results ?? []).map((result) => ({
        item: result.item,
        sourceKey: result.sourceKey,
        name: result.name,
        format: 'tiff' as const,
        bytes: result.sourceBytes,
        etag: result.sourceEtag,
      }));
    await runStore.putShard(
      shardRecord({ runId, shard, shardCount: run.shards.length, task, images: planned, estimatedSeconds: 60 }),
    );
    if (results !== undefined) {
      const result: ShardResult = {
        runId,
        shard,
        attempt: 1,
        startedAt: '2026-01-02T03:05:00.000Z',
        finishedAt: '2026-01-02T03:06:00.000Z',
        status: results.some((image) => image.status === 'failed') ? 'failed' : 'succeeded',
        images: results,
      };
      await runStore.putResult(result);
      // Published beside the records, unrecorded: tests count what the assembler reads and writes.
      const store = runStore.storage instanceof RecordingStorage ? runStore.storage.inner : runStore.storage;
      for (const image of results) if (image.image !== undefined) await publishService(store, task, image.image);
    }
  }
}

/**
 * What a shard worker publishes for an image, as far as `verify` looks: its info.json and a
 * (one-byte) file under every path that info.json implies.
 */
export async function publishService(storage: Storage, task: Task, image: PublishedImage): Promise<void> {
  const api = imageApiFor(image.imageApiVersion);
  const pyramid = computePyramid({
    width: image.width,
    height: image.height,
    tileSize: image.tiles[0]?.width ?? 512,
    fullMaxSize: Math.max(image.full.width, image.full.height),
  });
  await storage.put(
    task.destBucket,
    `${image.serviceKey}/info.json`,
    JSON.stringify(api.infoJson(pyramid, image.serviceId)),
  );
  for (const entry of listTileSet(pyramid, api)) {
    for (const path of entry.paths) await storage.put(task.destBucket, `${image.serviceKey}/${path}`, 'j');
  }
}

/** A planned image of an item (for shard descriptions of shards that did not report). */
export function plannedImage(item: PlannedItem, file: string): PlannedImage {
  const image = findImage(item, file);
  return { item: item.id, sourceKey: image.sourceKey, name: image.name, format: 'tiff', bytes: 100, etag: 'e' };
}
