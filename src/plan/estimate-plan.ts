import type { RunStore } from '../run/run-store.js';
import type { Storage } from '../storage/storage.js';
import { collectionKey, joinKey, publicUrl, type Task } from '../task/task.js';
import { type EstimateOptions, estimateRun, type RunEstimate } from './estimate-run.js';
import { planRun } from './plan-run.js';
import { readImageSizes } from './read-image-sizes.js';

export type PlanEstimateOptions = Omit<
  EstimateOptions,
  'settings' | 'listedObjects' | 'items' | 'shards' | 'sizes' | 'serviceIdLength'
>;

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
  const images = Array.from({ length: plan.listing.imageCount }, (_, index) => plan.listing.image(index));
  const sizes = await readImageSizes(deps.storage, task.srcBucket, images);
  const first = images[0];
  const serviceIdLength =
    first === undefined ? 80 : publicUrl(task, joinKey(collectionKey(task), first.item, first.name)).length;
  return estimateRun(images, {
    ...input.options,
    settings: task.settings,
    listedObjects: plan.listing.objects,
    items: plan.counts.items,
    shards: plan.counts.shards,
    sizes,
    serviceIdLength,
  });
}
