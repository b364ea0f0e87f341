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
  const sizes = await readImageSizes(deps.storage, task.srcBucket, plan.grouping.images);
  const first = plan.grouping.images[0];
  const serviceIdLength =
    first === undefined ? 80 : publicUrl(task, joinKey(collectionKey(task), first.item, first.name)).length;
  return estimateRun(plan.grouping.images, {
    ...input.options,
    settings: task.settings,
    listedObjects: plan.objects.length,
    items: plan.counts.items,
    shards: plan.counts.shards,
    sizes,
    serviceIdLength,
  });
}
