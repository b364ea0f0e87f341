import type { Logger } from '../log.js';
import { collectOutcomes } from '../manifest-assembler/collect-outcomes.js';
import type { RunStore } from '../run/run-store.js';
import { publishedMarkerKey } from '../shard-worker/published-marker.js';
import type { Storage } from '../storage/storage.js';
import type { Task } from '../task/task.js';
import { mapLimit } from '../util/for-each-limited.js';
import { type VerifyResult, verifyPublished } from './verify-published.js';

/**
 * Verify what one run published: the image services of its published images, its manifests and
 * the collection (see `verifyPublished`). The resume marker of every service found incomplete is
 * withdrawn, so the next run (or `resubmit`) of the collection tiles that image again instead of
 * skipping it.
 *
 * @param serviceKeys the service keys of the run's published images
 * @param documents the keys of the run's manifests and of the collection
 */
export async function verifyRunOutput(
  deps: { readonly storage: Storage; readonly runStore: RunStore },
  input: { readonly task: Task; readonly serviceKeys: readonly string[]; readonly documents: readonly string[] },
): Promise<VerifyResult> {
  const { task } = input;
  const services = new Map<string, string[]>();
  for (const serviceKey of input.serviceKeys) {
    const slash = serviceKey.lastIndexOf('/');
    const folder = serviceKey.slice(0, Math.max(0, slash));
    const names = services.get(folder) ?? [];
    names.push(serviceKey.slice(slash + 1));
    services.set(folder, names);
  }
  const result = await verifyPublished(deps.storage, {
    bucket: task.destBucket,
    services,
    documents: input.documents,
    baseUrl: task.destUrl,
  });
  const { state } = deps.runStore;
  await mapLimit(result.incompleteServices, 16, (serviceKey) =>
    deps.runStore.storage.delete(state.bucket, publishedMarkerKey(state, task.destBucket, serviceKey)),
  );
  return result;
}

/**
 * `iiif-batch verify RUN_ID`: verify what a finished run published, from its records (the images
 * its shards published, the manifests and collection its report names).
 *
 * @throws RunRecordError when there is no such run
 */
export async function verifyRun(
  deps: { readonly storage: Storage; readonly runStore: RunStore; readonly logger: Logger },
  runId: string,
): Promise<VerifyResult> {
  const { runStore } = deps;
  const run = await runStore.getRun(runId);
  const items = await runStore.getItems(runId);
  const outcomes = await collectOutcomes(runStore, runId, run.counts.shards, items, deps.logger);
  const report = await runStore.getReport(runId);
  return verifyRunOutput(deps, {
    task: run.task,
    serviceKeys: outcomes.items.flatMap((item) => item.pages.map((page) => page.image.serviceKey)),
    documents: [
      ...(report?.manifests.map((manifest) => manifest.key) ?? []),
      ...(report?.collection === undefined ? [] : [report.collection.key]),
    ],
  });
}
