import { errorMessage } from '../errors.js';
import { acquireLease, checkLease } from '../lease/acquire-lease.js';
import type { HeldLease } from '../lease/held-lease.js';
import { leaseScopeOf } from '../lease/lease-records.js';
import { leaseWarning } from '../lease/lease-warning.js';
import type { Logger } from '../log.js';
import { DEFAULT_PLAN_ESTIMATE_OPTIONS, estimatePlanned } from '../plan/estimate-plan.js';
import { writeImageNameRecords } from '../plan/image-name-records.js';
import { planRun } from '../plan/plan-run.js';
import type { AttemptRecord, RunCounts, RunRecord, TaskSource } from '../run/run-records.js';
import type { RunStore } from '../run/run-store.js';
import type { Storage } from '../storage/storage.js';
import type { Task } from '../task/task.js';
import { forEachLimited } from '../util/for-each-limited.js';
import { currentProcess } from '../util/process-identity.js';
import type { JobLauncher, LaunchResult } from './job-launcher.js';

export interface SubmitDependencies {
  readonly storage: Storage;
  readonly runStore: RunStore;
  readonly launcher: JobLauncher;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Called once the run is recorded, before anything is launched (progress displays). */
  readonly onPlanned?: (counts: RunCounts) => void;
  /**
   * How long the collection's lease stays live without a sign of life from the run (seconds).
   * Default `DEFAULT_LEASE_SECONDS` (`IIIF_BATCH_LEASE_MINUTES`).
   */
  readonly leaseSeconds?: number;
}

export interface SubmitRequest {
  readonly task: Task;
  readonly runId: string;
  readonly source: TaskSource;
  /** Plan at least this many shards when there are enough images (local runs: the worker count). */
  readonly minShards?: number;
  /**
   * When this submission must be over (milliseconds since the epoch): the end of the submitter
   * Lambda's invocation. Planning must then be done `recordingReserve` before it, or the task is
   * rejected as too large for one invocation, before anything is recorded. None: no limit.
   */
  readonly deadline?: number;
}

/**
 * The time kept after planning for recording the run (a million images: about 25,000 records, 16
 * at a time) and launching it: three minutes, or a third of a shorter invocation. A Lambda that
 * timed out half-way through recording would leave a run that is never launched.
 */
export function recordingReserve(millisecondsLeft: number): number {
  return Math.min(180_000, Math.max(0, millisecondsLeft) / 3);
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
 * multi-page files, group items, check the CSV, plan balanced shards, take the collection's lease
 * (one run of a collection at a time: see `acquireLease`), record the run (a conditional create: a
 * task already submitted is a `duplicate` and nothing more happens), write each shard's
 * description, then launch the shard jobs and the assembler that depends on them. The assembler
 * releases the lease; so does this function when the launch has waited for the jobs to end, or
 * when the submission fails.
 *
 * @throws PlanError or CsvError (InvalidInputError) when the input can never succeed; LeaseHeldError
 *   (InvalidInputError) while another run publishes the collection; storage and launcher errors
 *   otherwise (the claims on the run and the lease are released so a retry can submit).
 */
export async function submitRun(deps: SubmitDependencies, request: SubmitRequest): Promise<SubmitOutcome> {
  const { storage, runStore, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const { task, runId } = request;
  const log = logger.child({ runId });

  const leaseDeps = { runStore, now };
  const scope = leaseScopeOf(task);
  // While another run publishes the collection, refuse before the planning (which may take minutes).
  await checkLease(leaseDeps, { scope, runId });
  const clock = (): number => now().getTime();
  const deadline =
    request.deadline === undefined
      ? undefined
      : { at: request.deadline - recordingReserve(request.deadline - clock()), now: clock };
  const planned = await planRun(
    { storage, runStore },
    {
      task,
      ...(request.minShards === undefined ? {} : { minShards: request.minShards }),
      ...(deadline === undefined ? {} : { deadline }),
    },
  );
  const { listing: plan, shards, counts, skipped } = planned;
  if ((await runStore.findRun(runId)) !== undefined) return duplicate(log, request);
  const lease = await acquireLease(leaseDeps, {
    scope,
    runId,
    by: 'submitter',
    ...(deps.leaseSeconds === undefined ? {} : { ttlSeconds: deps.leaseSeconds }),
    // A launcher that waits for the jobs makes this process the lease's keeper.
    ...(deps.launcher.waitsForJobs ? { keeper: currentProcess() } : {}),
  });
  const warnings = [...planned.warnings, ...leaseWarning(lease)];
  const record: RunRecord = {
    runId,
    createdAt: now().toISOString(),
    source: request.source,
    task,
    counts,
    ignoredSample: [...skipped.map((entry) => entry.key), ...plan.ignoredSample].slice(0, 50),
    ...(warnings.length === 0 ? {} : { warnings }),
  };
  let created: boolean;
  try {
    created = await runStore.createRun(record);
  } catch (error) {
    if (lease.fresh)
      await lease.release(`the run could not be recorded: ${errorMessage(error)}`).catch(() => undefined);
    throw error;
  }
  if (!created) {
    // Another delivery of the same task created the run since the look above: it holds the lease.
    if (lease.fresh) await lease.release('a duplicate submission of the run');
    return duplicate(log, request);
  }
  if (lease.replaced !== undefined) {
    log.warn(`took the lease of the collection from run ${lease.replaced.runId}: ${lease.replaced.reason}`, {
      event: 'lease-taken-over',
      from: lease.replaced.runId,
    });
  }
  log.info('run planned', { event: 'planned', ...counts });
  deps.onPlanned?.(counts);

  try {
    await runStore.putItems(runId, plan.items);
    // What `plan` prints with its default options, for `report` to set beside the measured figures.
    await runStore.putEstimate({
      runId,
      workerVcpus: DEFAULT_PLAN_ESTIMATE_OPTIONS.workerVcpus,
      estimate: await estimatePlanned(storage, { plan: planned, task, options: DEFAULT_PLAN_ESTIMATE_OPTIONS }),
    });
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
    // After the shards: the names' many small records then reuse the memory the shards' large ones freed.
    await writeImageNameRecords(runStore.storage, runStore.state, task, plan.changedNames());
    const attempt = await launchAttempt(deps, {
      runId,
      task,
      attempt: 1,
      shards: shards.map((shard) => shard.index),
      lease,
    });
    return { status: 'submitted', runId, counts, attempt: attempt.record, launch: attempt.launch };
  } catch (error) {
    await runStore.deleteRun(runId).catch((cleanupError: unknown) => {
      log.error('could not release the run claim after a failed submission', { error: cleanupError });
    });
    await lease.release(`the submission failed: ${errorMessage(error)}`).catch((cleanupError: unknown) => {
      log.error('could not release the lease of the collection after a failed submission', { error: cleanupError });
    });
    throw error;
  }
}

function duplicate(log: Logger, request: SubmitRequest): SubmitOutcome {
  log.info('task already submitted; nothing to do', { event: 'duplicate', source: request.source.location });
  return { status: 'duplicate', runId: request.runId };
}

/**
 * Record an attempt (so its children can find their shards), launch it, and record the job ids.
 * Used for the first submission and for resubmissions of failed shards. The run's `lease` is kept
 * alive while the launch runs; when the launch waited for the jobs to end, it is released (the
 * assembler has released it already when it ran).
 */
export async function launchAttempt(
  deps: Pick<SubmitDependencies, 'runStore' | 'launcher' | 'logger' | 'now'>,
  input: {
    readonly runId: string;
    readonly task: Task;
    readonly attempt: number;
    readonly shards: readonly number[];
    readonly lease: HeldLease;
  },
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
  const stopRenewing = input.lease.keepAlive((error) =>
    deps.logger.warn('could not renew the lease of the collection', { runId: input.runId, error: errorMessage(error) }),
  );
  let launch: LaunchResult;
  try {
    launch = await deps.launcher.launch({
      runId: input.runId,
      attempt: input.attempt,
      shards: input.shards,
      task: input.task,
      state: deps.runStore.state,
    });
  } finally {
    stopRenewing();
  }
  const record: AttemptRecord = {
    ...pending,
    status: 'launched',
    shardJobId: launch.shardJobId,
    assemblerJobId: launch.assemblerJobId,
  };
  await deps.runStore.putAttempt(record);
  if (launch.completed) await input.lease.release(`attempt ${input.attempt} has ended`);
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
