import { shardRecord } from '../../../src/run/compact-images.js';
import type { PlannedImage, ShardDescription, StateLocation } from '../../../src/run/run-records.js';
import { RunStore } from '../../../src/run/run-store.js';
import type { FsStorage } from '../../../src/storage/fs-storage.js';
import type { Task } from '../../../src/task/task.js';
import { photoRaw } from './fixtures.js';

/** The state location of local runs: `DIR/_iiif-batch/`. */
export const LOCAL_STATE: StateLocation = { bucket: '_iiif-batch', prefix: '' };

export interface ShardSource {
  readonly file: string;
  readonly bytes: Buffer | string;
  readonly format: PlannedImage['format'];
}

/** Two good photographs and a truncated JPEG (as bytes). */
export async function mixedSources(): Promise<ShardSource[]> {
  const good = await (await photoRaw(1100, 800)).jpeg({ quality: 90 }).toBuffer();
  const tiff = await (await photoRaw(640, 900)).tiff({ compression: 'lzw' }).toBuffer();
  return [
    { file: 'page_001.jpg', bytes: good, format: 'jpeg' },
    { file: 'page_002.tif', bytes: tiff, format: 'tiff' },
    { file: 'page_003.jpg', bytes: good.subarray(0, Math.floor(good.length / 2)), format: 'jpeg' },
  ];
}

/**
 * Write sources into the task's source bucket and a shard description for them, as the
 * submitter would. Returns the planned images in shard order.
 */
export async function writeShard(
  storage: FsStorage,
  task: Task,
  options: { runId: string; shard: number; shardCount: number; item: string; sources: readonly ShardSource[] },
): Promise<PlannedImage[]> {
  const images: PlannedImage[] = [];
  for (const source of options.sources) {
    const key = `${task.accessDir}/${options.item}/Access/${source.file}`;
    await storage.put(task.srcBucket, key, source.bytes);
    const info = await storage.head(task.srcBucket, key);
    images.push({
      item: options.item,
      sourceKey: key,
      name: source.file.replace(/\.[^.]+$/, ''),
      format: source.format,
      bytes: info?.size ?? 0,
      etag: info?.etag ?? '',
    });
  }
  const description: ShardDescription = {
    runId: options.runId,
    shard: options.shard,
    shardCount: options.shardCount,
    task,
    images,
    estimatedSeconds: images.length,
  };
  await new RunStore(storage, LOCAL_STATE).putShard(shardRecord(description));
  return images;
}
