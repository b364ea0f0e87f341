import { RunRecordError } from '../errors.js';
import type { Logger } from '../log.js';
import { naturalCompare } from '../plan/natural-compare.js';
import type { ImageQc } from '../qc/image-qc.js';
import type { ImageResult, PublishedImage } from '../run/image-result.js';
import type { ImageFailure, PlannedItem } from '../run/run-records.js';
import type { RunStore } from '../run/run-store.js';
import type { RunWarning } from '../run/run-warning.js';
import { mapLimit } from '../util/for-each-limited.js';

/** One image that is published and goes into its item's manifest. */
export interface PublishedPage {
  readonly name: string;
  readonly sourceKey: string;
  /** The page of a multi-page source (1-based). */
  readonly page?: number;
  readonly image: PublishedImage;
  /** QC measurement made while tiling, when there is one. */
  readonly qc?: ImageQc;
}

/** What the shards made of one item. */
export interface ItemOutcome {
  readonly id: string;
  /** Published images in natural order of their source file names, pages in page order. */
  readonly pages: readonly PublishedPage[];
  readonly failures: readonly ImageFailure[];
}

export interface RunOutcomes {
  /** Items in the order of the run's item list. */
  readonly items: readonly ItemOutcome[];
  /** Every image that is not published, item by item. */
  readonly failures: readonly ImageFailure[];
  /** Shards with no result record. */
  readonly missingShards: readonly number[];
  /** The warnings of published images, item by item in plan order. */
  readonly warnings: readonly RunWarning[];
  readonly images: number;
  readonly tiled: number;
  readonly skipped: number;
  /** The recorded result of one image, when a shard recorded one. */
  readonly resultOf: (item: string, name: string) => ImageResult | undefined;
}

/**
 * Join the plan (the item list) with every shard's per-image results. An image is published when its
 * result is `tiled` or `skipped` with a published image; otherwise it is a failure with a reason:
 * the worker's own, `shard N did not report` when its shard wrote no result (the shard's description
 * says which images were its), or `no result recorded` when no shard accounted for it.
 * Reads only run records: never an image, a tile or an info.json.
 */
export async function collectOutcomes(
  runStore: RunStore,
  runId: string,
  shardCount: number,
  items: readonly PlannedItem[],
  logger: Logger,
  concurrency = 16,
): Promise<RunOutcomes> {
  const shards = Array.from({ length: shardCount }, (_, shard) => shard);
  const results = await mapLimit(shards, concurrency, (shard) => runStore.getResult(runId, shard));

  const byImage = new Map<string, ImageResult>();
  const missingShards: number[] = [];
  const missingShardOf = new Map<string, number>();
  for (const [shard, result] of results.entries()) {
    if (result === undefined) {
      missingShards.push(shard);
      continue;
    }
    for (const image of result.images) byImage.set(imageKey(image.item, image.name), image);
  }
  await mapLimit(missingShards, concurrency, async (shard) => {
    try {
      const description = await runStore.getShard(runId, shard);
      for (const image of description.images) missingShardOf.set(imageKey(image.item, image.name), shard);
    } catch (error) {
      if (!(error instanceof RunRecordError)) throw error;
      logger.warn('shard has neither a result nor a description', { shard, error });
    }
  });

  let tiled = 0;
  let skipped = 0;
  let images = 0;
  const failures: ImageFailure[] = [];
  const warnings: RunWarning[] = [];
  const outcomes = items.map((item): ItemOutcome => {
    const pages: PublishedPage[] = [];
    const itemFailures: ImageFailure[] = [];
    for (const planned of item.images) {
      images++;
      const key = imageKey(item.id, planned.name);
      const result = byImage.get(key);
      const fail = (reason: string): void => {
        const page = planned.page === undefined ? '' : `page ${planned.page}: `;
        itemFailures.push({ item: item.id, sourceKey: planned.sourceKey, reason: `${page}${reason}` });
      };
      if (result === undefined) {
        const shard = missingShardOf.get(key);
        fail(shard === undefined ? 'no result recorded by any shard' : `shard ${shard} did not report`);
      } else if (result.status === 'failed') {
        fail(result.reason ?? 'failed (the worker gave no reason)');
      } else if (result.image === undefined) {
        fail(`result is "${result.status}" but records no published image`);
      } else {
        if (result.status === 'tiled') tiled++;
        else skipped++;
        if (result.warnings !== undefined) warnings.push(...result.warnings);
        const page = planned.page === undefined ? {} : { page: planned.page };
        pages.push({
          name: planned.name,
          sourceKey: planned.sourceKey,
          ...page,
          image: result.image,
          ...(result.qc === undefined ? {} : { qc: result.qc }),
        });
      }
    }
    pages.sort(
      (a, b) =>
        naturalCompare(fileName(a.sourceKey), fileName(b.sourceKey)) ||
        (a.page ?? 0) - (b.page ?? 0) ||
        naturalCompare(a.name, b.name),
    );
    failures.push(...itemFailures);
    return { id: item.id, pages, failures: itemFailures };
  });
  return {
    items: outcomes,
    failures,
    missingShards,
    warnings,
    images,
    tiled,
    skipped,
    resultOf: (item, name) => byImage.get(imageKey(item, name)),
  };
}

function imageKey(item: string, name: string): string {
  return `${item}\u0000${name}`;
}

/** The last segment of a key. */
export function fileName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
