import type { Size } from '../run/image-result.js';
import type { PlannedImage } from '../run/run-records.js';
import type { RunStore } from '../run/run-store.js';
import type { Storage } from '../storage/storage.js';
import { collectionKey, joinKey, publicUrl, type Task } from '../task/task.js';
import { DEFAULT_COST_RATES } from './cost-rates.js';
import { type EstimatedImage, type EstimateOptions, estimateRun, type RunEstimate } from './estimate-run.js';
import { planRun, type RunPlan } from './plan-run.js';
import { HEADER_SAMPLE, readImageSizes } from './read-image-sizes.js';

export type PlanEstimateOptions = Omit<
  EstimateOptions,
  'settings' | 'listedObjects' | 'items' | 'shards' | 'serviceIdLength'
>;

/** The `plan` command's defaults, and what a run's recorded estimate (`estimate.json`) assumes. */
export const DEFAULT_PLAN_ESTIMATE_OPTIONS: PlanEstimateOptions = {
  views: 1000,
  workerVcpus: 2,
  workerMemoryGib: 4,
  submitterMemoryGib: 1,
  rates: DEFAULT_COST_RATES,
};

/**
 * `iiif-batch plan`: everything the submitter does before tiling (the same `planRun`: list,
 * count pages, group, check the CSV, plan shards), a sample of image headers, and the estimate of
 * what the run publishes, requests and costs. Writes nothing.
 */
export async function estimatePlan(
  deps: { readonly storage: Storage; readonly runStore: RunStore },
  input: { readonly task: Task; readonly options: PlanEstimateOptions },
): Promise<RunEstimate> {
  const { task } = input;
  const plan = await planRun(deps, { task });
  return estimatePlanned(deps.storage, { plan, task, options: input.options });
}

/**
 * The estimate of a plan already made: reads the headers of a sample of its files (at most
 * `HEADER_SAMPLE` ranged reads, spread evenly over the images) for their pixel size, and
 * estimates the rest from their bytes. The submitter records it with each run, so `report` can set
 * it beside what the run measured. Images are never all built as records: a million-image plan is
 * estimated from its columns.
 */
export async function estimatePlanned(
  storage: Storage,
  input: { readonly plan: RunPlan; readonly task: Task; readonly options: PlanEstimateOptions },
): Promise<RunEstimate> {
  const { plan, task, options } = input;
  const { listing } = plan;
  const sampled = new Map<number, PlannedImage>();
  const step = Math.max(1, listing.imageCount / HEADER_SAMPLE);
  for (let at = 0; at < listing.imageCount; at += step) {
    const index = Math.floor(at);
    const { file } = listing.source(index);
    if (!sampled.has(file)) sampled.set(file, listing.image(index));
  }
  const read = await readImageSizes(storage, task.srcBucket, [...sampled.values()]);
  const sizes = new Map<number, Size>();
  for (const [file, image] of sampled) {
    const size = read.get(image.sourceKey);
    if (size !== undefined) sizes.set(file, size);
  }
  const images: Iterable<EstimatedImage> = {
    *[Symbol.iterator]() {
      for (let index = 0; index < listing.imageCount; index++) {
        const image = listing.source(index);
        const size = sizes.size === 0 ? undefined : sizes.get(image.file);
        yield size === undefined ? image : { ...image, size };
      }
    },
  };
  const first = listing.imageCount === 0 ? undefined : listing.image(0);
  const serviceIdLength =
    first === undefined ? 80 : publicUrl(task, joinKey(collectionKey(task), first.item, first.name)).length;
  return estimateRun(images, {
    ...options,
    settings: task.settings,
    listedObjects: listing.objects,
    items: plan.counts.items,
    shards: plan.counts.shards,
    serviceIdLength,
  });
}
