import { performance } from 'node:perf_hooks';
import { DEFAULT_COST_RATES } from '../src/plan/cost-rates.js';
import { estimateRun } from '../src/plan/estimate-run.js';
import { groupItems } from '../src/plan/group-items.js';
import { planShards } from '../src/plan/plan-shards.js';
import type { ObjectInfo } from '../src/storage/storage.js';
import { DEFAULT_SETTINGS } from '../src/task/settings.js';

/**
 * Benchmark child: plan a run over a synthetic listing of `keyCount` keys the way the submitter
 * does (list page by page → group items → plan shards → serialise each shard's description), and
 * print one JSON line with the time of each stage and the process's memory. Run in its own process
 * so the memory figures are the planner's alone.
 *
 * Usage: node dist/bench/plan-child.js KEY_COUNT
 */

export interface PlanBenchResult {
  readonly keys: number;
  readonly items: number;
  readonly images: number;
  readonly ignored: number;
  readonly shards: number;
  readonly listSeconds: number;
  readonly groupSeconds: number;
  readonly planSeconds: number;
  readonly serialiseSeconds: number;
  /** `iiif-batch plan`'s estimate over the planned images (sizes from bytes: no headers here). */
  readonly estimateSeconds: number;
  readonly estimatedObjects: number;
  readonly totalSeconds: number;
  readonly largestShardDescriptionBytes: number;
  readonly itemsRecordBytes: number;
  readonly heapUsedMiB: number;
  readonly maxRssMiB: number;
}

const ACCESS_DIR = 'Special_Collections/Ms2016_012';
const PAGE_SIZE = 1000;

/** A listing like S3's ListObjectsV2: pages of 1,000 keys in key order, with some non-image files. */
async function* syntheticListing(keyCount: number): AsyncIterable<ObjectInfo[]> {
  const imagesPerFolder = 40;
  let page: ObjectInfo[] = [];
  let emitted = 0;
  const lastModified = new Date('2024-01-01T00:00:00Z');
  for (let folder = 1; emitted < keyCount; folder += 1) {
    const box = Math.ceil(folder / 50);
    const prefix = `${ACCESS_DIR}/Box${box}/Box${box}_Folder${folder}/Access`;
    for (let index = 1; index <= imagesPerFolder + 1 && emitted < keyCount; index += 1) {
      const isExtra = index === imagesPerFolder + 1;
      const isTiff = folder % 3 !== 0;
      const key = isExtra ? `${prefix}/Thumbs.db` : `${prefix}/page${index}.${isTiff ? 'tif' : 'jpg'}`;
      const size = isExtra ? 4096 : isTiff ? 40_000_000 + ((folder * 7919 + index * 104_729) % 120_000_000) : 3_000_000;
      page.push({ key, size, etag: `"${(folder * 1_000 + index).toString(16)}"`, lastModified });
      emitted += 1;
      if (page.length === PAGE_SIZE) {
        yield page;
        page = [];
      }
    }
  }
  if (page.length > 0) yield page;
}

async function main(): Promise<void> {
  const keyCount = Number(process.argv[2] ?? '100000');
  if (!Number.isInteger(keyCount) || keyCount < 1) {
    throw new Error(`Expected a positive integer key count but received "${process.argv[2]}"`);
  }
  const start = performance.now();
  const objects: ObjectInfo[] = [];
  for await (const page of syntheticListing(keyCount)) objects.push(...page);
  const listed = performance.now();
  const grouping = groupItems(objects, ACCESS_DIR, `bench://${ACCESS_DIR}/`);
  const grouped = performance.now();
  const shards = planShards(grouping.images, DEFAULT_SETTINGS, { minShards: 1 });
  const planned = performance.now();
  let largest = 0;
  for (const shard of shards) {
    const bytes = Buffer.byteLength(
      JSON.stringify({ runId: 'bench', shard: shard.index, shardCount: shards.length, images: shard.images }),
    );
    largest = Math.max(largest, bytes);
  }
  const itemsRecordBytes = Buffer.byteLength(JSON.stringify(grouping.items));
  const serialised = performance.now();
  const estimate = estimateRun(grouping.images, {
    settings: DEFAULT_SETTINGS,
    listedObjects: objects.length,
    items: grouping.items.length,
    shards: shards.length,
    sizes: new Map(),
    serviceIdLength: 90,
    views: 1000,
    workerVcpus: 2,
    workerMemoryGib: 4,
    submitterMemoryGib: 1,
    rates: DEFAULT_COST_RATES,
  });
  const estimated = performance.now();
  const result: PlanBenchResult = {
    keys: objects.length,
    items: grouping.items.length,
    images: grouping.images.length,
    ignored: grouping.ignored.length,
    shards: shards.length,
    listSeconds: (listed - start) / 1000,
    groupSeconds: (grouped - listed) / 1000,
    planSeconds: (planned - grouped) / 1000,
    serialiseSeconds: (serialised - planned) / 1000,
    estimateSeconds: (estimated - serialised) / 1000,
    estimatedObjects: estimate.published.objects,
    totalSeconds: (estimated - start) / 1000,
    largestShardDescriptionBytes: largest,
    itemsRecordBytes,
    heapUsedMiB: process.memoryUsage().heapUsed / 1024 / 1024,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`plan benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
