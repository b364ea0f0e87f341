import { expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import type { PlannedImage } from '../../../src/run/run-records.js';
import { tileImage } from '../../../src/shard-worker/tile-image.js';
import type { FsStorage } from '../../../src/storage/fs-storage.js';
import type { Settings } from '../../../src/task/settings.js';
import type { Task } from '../../../src/task/task.js';
import { testTask } from '../../helpers/test-task.js';
import { checkPublishedService } from './check-published-service.js';
import { photoRaw } from './fixtures.js';

export const ITEM = 'Box2_Folder19';
export const SERVICE_PREFIX = 'iawa/Women_of_Design/Ms2016_012_Box2/Box2_Folder19';

/** A task with buckets of its own, so tests sharing one storage root never meet. */
export function uniqueTask(settings: Partial<Settings> = {}): Task {
  const id = Math.random().toString(36).slice(2, 8);
  return testTask({ srcBucket: `src-${id}`, destBucket: `pub-${id}`, settings });
}

/** Put a source into the source bucket and describe it as the planner would. */
export async function placeSource(
  storage: FsStorage,
  task: Task,
  file: string,
  bytes: Buffer | string,
  format: PlannedImage['format'],
) {
  const key = `${task.accessDir}/${ITEM}/Access/${file}`;
  await storage.put(task.srcBucket, key, bytes);
  const info = await storage.head(task.srcBucket, key);
  const name = file.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]/g, '_');
  const image: PlannedImage = {
    item: ITEM,
    sourceKey: key,
    name,
    format,
    bytes: info?.size ?? 0,
    etag: info?.etag ?? '',
  };
  return { image, serviceKey: `${SERVICE_PREFIX}/${name}` };
}

export interface Shape {
  readonly label: string;
  readonly width: number;
  readonly height: number;
}

/**
 * For Image API 3 and 2, one test per shape: a JPEG of that shape is tiled into a complete level-0
 * service whose every tile OpenSeadragon would ask for exists and matches the source's pixels.
 */
export function itPublishesShapes(storage: () => FsStorage, shapes: readonly Shape[]): void {
  for (const version of [3, 2] as const) {
    for (const shape of shapes) {
      it(`publishes a complete level-0 service: v${version}, ${shape.label} ${shape.width}x${shape.height}`, async () => {
        // Prepare
        const task = uniqueTask({ imageApiVersion: version });
        // Colour fields large enough to stay recognisable in the smallest level, for the pixel comparison.
        const cell = Math.max(32, Math.ceil(Math.max(shape.width, shape.height) / 48));
        const bytes = await (await photoRaw(shape.width, shape.height, cell)).jpeg({ quality: 90 }).toBuffer();
        const { image, serviceKey } = await placeSource(storage(), task, `${shape.label}.jpg`, bytes, 'jpeg');

        // Act
        const result = await tileImage({ storage: storage(), logger: silentLogger }, { task, image });

        // Assess
        expect(result).toMatchObject({ status: 'tiled', item: ITEM, sourceKey: image.sourceKey, name: image.name });
        const published = await checkPublishedService(storage(), task.destBucket, serviceKey, bytes);
        expect(published.info).toMatchObject({ width: shape.width, height: shape.height });
        expect(published.info[version === 3 ? 'id' : '@id']).toBe(`https://iiif.example.org/${serviceKey}`);
        expect(result.image).toMatchObject({
          serviceKey,
          serviceId: `https://iiif.example.org/${serviceKey}`,
          imageApiVersion: version,
          width: shape.width,
          height: shape.height,
          sizes: published.info.sizes,
          tiles: published.info.tiles,
        });
        expect(result.tileCount).toBe(published.files.length);
        expect(result.bytes).toBeGreaterThan(0);
      });
    }
  }
}
