import type { Logger } from '../log.js';
import { DEFAULT_PLAN_ESTIMATE_OPTIONS, estimatePlanned } from '../plan/estimate-plan.js';
import { writeImageNameRecords } from '../plan/image-name-records.js';
import type { ListingPlan } from '../plan/plan-listing.js';
import { planRun } from '../plan/plan-run.js';
import type { CompactItem } from '../run/compact-images.js';
import type { AttemptRecord, RunCounts, RunRecord, TaskSource } from '../run/run-records.js';
import type { RunStore } from '../run/run-store.js';
import type { Storage } from '../storage/storage.js';
import type { Task } from '../task/task.js';
import { forEachLimited } from '../util/for-each-limited.js';
import type { JobLauncher, LaunchResult } from './job-launcher.js';

export interface SubmitDependencies {
  readonly storage: Storage;
  readonly runStore: RunStore;
  readonly launcher: JobLauncher;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Called once the run is recorded, before anything is launched (progress displays). */
  readonly onPlanned?: (counts: RunCounts) => void;
}

export interface SubmitRequest {
  readonly task: Task;
  readonly runId: string;
  readonly source: TaskSource;
  /** Plan at least this many shards when there are enough images (local runs: the worker count). */
  readonly minShards?: number;
}

export type SubmitOutcome =
  | {
      readonly status: 'submitted';
      readonly runId: string;
      readonly counts: RunCounts;
      readonly attempt: AttemptRecord;
      readonly launch: LaunchResult;
    }
  | { readonly status: 'duplicate'; readonly runId: string };

/** How many record writes run at once while writing shard descriptions. */
const WRITE_CONCURRENCY = 16;

/**
 * The submitter's core, the same locally and in the cloud: list `ACCESS_DIR`, count the pages of
 * multi-page files, group items, check the
 * CSV, plan balanced shards, record the run (a conditional create: a task already submitted is a
 * `duplicate` and nothing more happens), write each shard's description, then launch the shard jobs
 * and the assembler that depends on them.
 *
 * @throws PlanError or CsvError (InvalidInputError) when the input can never succeed; storage and
 *   launcher errors otherwise (the claim on the run is released so a retry can submit).
 */
export async function submitRun(deps: SubmitDependencies, request: SubmitRequest): Promise<SubmitOutcome> {
  const { storage, runStore, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const { task, runId } = request;
  const log = logger.child({ runId });

  const planned = await planRun(
    { storage, runStore },
    { task, ...(request.minShards === undefined ? {} : { minShards: request.minShards }) },
  );
  const { listing: plan, shards, counts, warnings, skipped } = planned;
  const record: RunRecord = {
    runId,
    createdAt: now().toISOString(),
    source: request.source,
    task,
    counts,
    ignoredSample: [...skipped.map((entry) => entry.key), ...plan.ignoredSample].slice(0, 50),
    ...(warnings.length === 0 ? {} : { warnings }),
  };
  if (!(await runStore.createRun(record))) {
    log.info('task already submitted; nothing to do', { event: 'duplicate', source: request.source.location });
    return { status: 'duplicate', runId };
  }
  log.info('run planned', { event: 'planned', ...counts });
  deps.onPlanned?.(counts);

  try {
    await runStore.putItems(runId, itemRecords(plan));
    // What `plan` prints with its default options, for `report` to set beside the measured figures.
    await runStore.putEstimate({
      runId,
      workerVcpus: DEFAULT_PLAN_ESTIMATE_OPTIONS.workerVcpus,
      estimate: await estimatePlanned(storage, { plan: planned, task, options: DEFAULT_PLAN_ESTIMATE_OPTIONS }),
    });
    await writeImageNameRecords(runStore.storage, runStore.state, task, plan.changedNames());
    await forEachLimited(shards, WRITE_CONCURRENCY, async (shard) => {
      await runStore.putShard({
        runId,
        shard: shard.index,
        shardCount: shards.length,
        task,
        items: plan.shardItems(shard.first, shard.end),
        estimatedSeconds: Math.round(shard.estimatedSeconds),
      });
    });
    const attempt = await launchAttempt(deps, { runId, task, attempt: 1, shards: shards.map((shard) => shard.index) });
    return { status: 'submitted', runId, counts, attempt: attempt.record, launch: attempt.launch };
  } catch (error) {
    await runStore.deleteRun(runId).catch((cleanupError: unknown) => {
      log.error('could not release the run claim after a failed submission', { error: cleanupError });
    });
    throw error;
  }
}

function* itemRecords(plan: ListingPlan): Iterable<CompactItem> {
  for (let index = 0; index < plan.itemCount; index++) yield plan.itemRecord(index);
}

/**
 * Record an attempt (so its children can find their shards), launch it, and record the job ids.
 * Used for the first submission and for resubmissions of failed shards.
 */
export async function launchAttempt(
  deps: Pick<SubmitDependencies, 'runStore' | 'launcher' | 'logger' | 'now'>,
  input: { readonly runId: string; readonly task: Task; readonly attempt: number; readonly shards: readonly number[] },
): Promise<{ record: AttemptRecord; launch: LaunchResult }> {
  const now = deps.now ?? (() => new Date());
  const pending: AttemptRecord = {
    runId: input.runId,
    attempt: input.attempt,
    createdAt: now().toISOString(),
    shards: input.shards,
    launcher: deps.launcher.kind,
    status: 'launching',
  };
  await deps.runStore.putAttempt(pending);
  const launch = await deps.launcher.launch({
    runId: input.runId,
    attempt: input.attempt,
    shards: input.shards,
    task: input.task,
    state: deps.runStore.state,
  });
  const record: AttemptRecord = {
    ...pending,
    status: 'launched',
    shardJobId: launch.shardJobId,
    assemblerJobId: launch.assemblerJobId,
  };
  await deps.runStore.putAttempt(record);
  deps.logger.info('jobs launched', {
    event: 'launched',
    runId: input.runId,
    attempt: input.attempt,
    shards: input.shards.length,
    shardJobId: launch.shardJobId,
    assemblerJobId: launch.assemblerJobId,
  });
  return { record, launch };
}
