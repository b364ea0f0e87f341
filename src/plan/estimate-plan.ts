import type { RunStore } from '../run/run-store.js';
import type { Storage } from '../storage/storage.js';
import { collectionKey, joinKey, publicUrl, type Task } from '../task/task.js';
import { DEFAULT_COST_RATES } from './cost-rates.js';
import { type EstimateOptions, estimateRun, type RunEstimate } from './estimate-run.js';
import { planRun, type RunPlan } from './plan-run.js';
import { readImageSizes } from './read-image-sizes.js';

export type PlanEstimateOptions = Omit<
  EstimateOptions,
  'settings' | 'listedObjects' | 'items' | 'shards' | 'sizes' | 'serviceIdLength'
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
 * The estimate of a plan already made: reads the headers of a sample of its images (at most
 * `HEADER_SAMPLE` ranged reads) for their pixel size, and estimates the rest. The submitter records
 * it with each run, so `report` can set it beside what the run measured.
 */
export async function estimatePlanned(
  storage: Storage,
  input: { readonly plan: RunPlan; readonly task: Task; readonly options: PlanEstimateOptions },
): Promise<RunEstimate> {
  const { plan, task, options } = input;
  const images = Array.from({ length: plan.listing.imageCount }, (_, index) => plan.listing.image(index));
  const sizes = await readImageSizes(storage, task.srcBucket, images);
  const first = images[0];
  const serviceIdLength =
    first === undefined ? 80 : publicUrl(task, joinKey(collectionKey(task), first.item, first.name)).length;
  return estimateRun(images, {
    ...options,
    settings: task.settings,
    listedObjects: plan.listing.objects,
    items: plan.counts.items,
    shards: plan.counts.shards,
    sizes,
    serviceIdLength,
  });
}
