import type { JobDetail, JobStatus } from '@aws-sdk/client-batch';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { shardRecord } from '../../../src/run/compact-images.js';
import type { ImageResult, ImageStatus } from '../../../src/run/image-result.js';
import type { AttemptRecord, PlannedImage, RunRecord, ShardResult } from '../../../src/run/run-records.js';
import type { RunStore } from '../../../src/run/run-store.js';
import type { Task } from '../../../src/task/task.js';
import type { LocalAws } from '../../helpers/local-aws.js';
import { testTask } from '../../helpers/test-task.js';

export const CREATED_AT = '2025-03-01T10:00:00.000Z';

/** The task of the runs these helpers write: collection Box2 under `pub/`. */
export function box2Task(): Task {
  return testTask({
    collectionId: 'Box2',
    accessDir: 'Coll/Box2',
    destPrefix: 'pub',
    destUrl: 'https://d21nnzi4oh5qvs.cloudfront.net',
    csvName: 'box2.csv',
  });
}

/** An S3 client for the emulator, with a bucket per name. */
export async function emulatorS3(aws: LocalAws, buckets: readonly string[]): Promise<S3Client> {
  const client = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
  for (const bucket of buckets) await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return client;
}

function plannedImage(shard: number, index: number): PlannedImage {
  return {
    item: `Folder${shard}`,
    sourceKey: `Coll/Box2/Folder${shard}/page${index + 1}.jpg`,
    name: `page${index + 1}`,
    format: 'jpeg',
    bytes: 1000,
    etag: `etag-${shard}-${index}`,
  };
}

/**
 * A planned run as the submitter records it: `shards` shards of `imagesPerShard` images each
 * (shard n holds item `Folder{n}`), and attempt 1 covering every shard.
 */
export async function writePlannedRun(
  runStore: RunStore,
  input: {
    runId: string;
    shards: number;
    imagesPerShard: number;
    launcher: 'local' | 'batch';
    shardJobId?: string;
    assemblerJobId?: string;
  },
): Promise<RunRecord> {
  const task = box2Task();
  const run: RunRecord = {
    runId: input.runId,
    createdAt: CREATED_AT,
    source: {
      location: 's3://iiif-tasks/tasks/box2.json',
      bucket: 'iiif-tasks',
      key: 'tasks/box2.json',
      version: 'v1',
    },
    task,
    counts: { items: input.shards, images: input.shards * input.imagesPerShard, ignored: 0, shards: input.shards },
    ignoredSample: [],
  };
  await runStore.createRun(run);
  const items = [];
  for (let shard = 0; shard < input.shards; shard++) {
    const images = Array.from({ length: input.imagesPerShard }, (_, index) => plannedImage(shard, index));
    items.push({
      id: `Folder${shard}`,
      folder: `Coll/Box2/Folder${shard}`,
      images: images.map((image) => ({ name: image.name, sourceKey: image.sourceKey })),
    });
    await runStore.putShard(
      shardRecord({ runId: input.runId, shard, shardCount: input.shards, task, images, estimatedSeconds: 60 }),
    );
  }
  await runStore.putItems(input.runId, items);
  await writeAttempt(runStore, {
    runId: input.runId,
    attempt: 1,
    createdAt: CREATED_AT,
    shards: Array.from({ length: input.shards }, (_, shard) => shard),
    launcher: input.launcher,
    status: 'launched',
    ...(input.shardJobId === undefined ? {} : { shardJobId: input.shardJobId }),
    ...(input.assemblerJobId === undefined ? {} : { assemblerJobId: input.assemblerJobId }),
  });
  return run;
}

export async function writeAttempt(runStore: RunStore, record: AttemptRecord): Promise<void> {
  await runStore.putAttempt(record);
}

/** Shard `shard`'s result: one image per entry of `statuses`. */
export function shardResult(
  runId: string,
  shard: number,
  attempt: number,
  statuses: readonly ImageStatus[],
  finishedAt = '2025-03-01T10:30:00.000Z',
): ShardResult {
  const images: ImageResult[] = statuses.map((status, index) => {
    const planned = plannedImage(shard, index);
    return {
      item: planned.item,
      sourceKey: planned.sourceKey,
      name: planned.name,
      status,
      ...(status === 'failed' ? { reason: 'Input file is truncated' } : {}),
      sourceEtag: planned.etag,
      sourceBytes: planned.bytes,
    };
  });
  return {
    runId,
    shard,
    attempt,
    startedAt: '2025-03-01T10:05:00.000Z',
    finishedAt,
    status: statuses.includes('failed') ? 'failed' : 'succeeded',
    images,
  };
}

/** A Batch `DescribeJobs` entry with the fields a test cares about (the rest as Batch fills them). */
export function jobDetail(fields: Partial<JobDetail> & { jobId: string; status: JobStatus }): JobDetail {
  return {
    jobName: `job-${fields.jobId}`,
    jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/iiif-queue',
    startedAt: undefined,
    jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/iiif:1',
    ...fields,
  };
}
