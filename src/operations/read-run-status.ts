import { RunRecordError } from '../errors.js';
import type { AttemptRecord, ImageFailure, RunCounts, RunReport, ShardResult } from '../run/run-records.js';
import type { RunStore } from '../run/run-store.js';
import type { RunWarning } from '../run/run-warning.js';
import { getJsonIfExists } from '../storage/storage.js';
import { collectionKey } from '../task/task.js';
import { forEachLimited } from '../util/for-each-limited.js';
import {
  type BatchJobReader,
  type BatchJobStatus,
  type BatchJobView,
  describeJobFailure,
  isActive,
} from './batch-jobs.js';

export type ShardState = 'succeeded' | 'failed' | 'running' | 'pending';
export type AssemblerState = 'succeeded' | 'failed' | 'running' | 'pending' | 'unknown';
/** `rejected`: the submitter refused the task file (`error.json`), nothing ran. */
export type RunState = 'succeeded' | 'failed' | 'running' | 'rejected';

export interface ShardStatus {
  readonly shard: number;
  readonly state: ShardState;
  /** The latest attempt that covered the shard (0 when none did). */
  readonly attempt: number;
  /** Attempt that wrote the shard's result record, when there is one. */
  readonly resultAttempt?: number;
  readonly reason?: string;
  /** State of the shard's Batch job (child) in `attempt`, when Batch was asked. */
  readonly batchStatus?: BatchJobStatus;
  readonly jobId?: string;
}

export interface RunStatus {
  readonly runId: string;
  readonly state: RunState;
  /** Where the run's records are (`s3://…/runs/{runId}/` or a folder). */
  readonly records: string;
  readonly task?: {
    readonly jobName: string;
    readonly collectionId: string;
    readonly source: string;
    readonly srcBucket: string;
    readonly accessDir: string;
  };
  readonly createdAt?: string;
  readonly counts?: RunCounts;
  readonly attempts: readonly {
    readonly attempt: number;
    readonly createdAt: string;
    readonly shards: number;
    readonly launcher: 'local' | 'batch';
    readonly status: 'launching' | 'launched';
    readonly shardJobId?: string;
    readonly assemblerJobId?: string;
  }[];
  readonly shards: {
    readonly total: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly running: number;
    readonly pending: number;
    /** Every shard, in order. */
    readonly list: readonly ShardStatus[];
  };
  readonly images: {
    readonly total: number;
    readonly tiled: number;
    readonly skipped: number;
    readonly failed: number;
    /** Images whose shard has not reported them (yet). */
    readonly unreported: number;
  };
  /** Every image that failed, from the shards' result records. */
  readonly failures: readonly ImageFailure[];
  /**
   * What a person must look at: the report's warnings when the report is current, else those known
   * so far (planning, and the images of the shards that reported).
   */
  readonly warnings: readonly RunWarning[];
  readonly assembler: {
    readonly state: AssemblerState;
    /** The attempt whose assembler this is (0 when no attempt was recorded). */
    readonly attempt: number;
    readonly jobId?: string;
    readonly batchStatus?: BatchJobStatus;
    readonly reason?: string;
  };
  readonly report?: {
    readonly location: string;
    readonly status: 'succeeded' | 'failed';
    readonly finishedAt: string;
    /** Whether the report was written after the latest attempt started. */
    readonly current: boolean;
    readonly manifests: number;
    /** Where the collection's manifests are published. */
    readonly manifestsUnder: string;
    readonly collection?: { readonly location: string; readonly url: string };
    readonly itemsWithoutManifest: readonly string[];
  };
  /** Why the submitter refused the task (`error.json`). */
  readonly rejection?: {
    readonly message: string;
    readonly field?: string;
    readonly source?: string;
    readonly at?: string;
  };
}

export interface RunStatusDependencies {
  readonly runStore: RunStore;
  /** Batch, for runs launched there; without it the records alone tell the state. */
  readonly batch?: BatchJobReader;
  readonly now?: () => Date;
}

/** A cloud attempt recorded but not (yet) launched longer ago than this is taken as abandoned. */
const LAUNCH_GRACE_MS = 5 * 60 * 1000;
const READ_CONCURRENCY = 16;

/**
 * The state of a run from its records and, for Batch attempts, from Batch: each shard is judged by
 * the latest attempt that covered it. A result record written by that attempt (or a later one)
 * decides (`failed` when any image failed); without one, the attempt's Batch job (child) decides
 * (FAILED, or SUCCEEDED without a result: failed; RUNNING: running; earlier states: pending); a
 * local attempt that finished without a result means the worker never reported.
 *
 * @throws RunRecordError when there is neither a run nor an error report under that id
 */
export async function readRunStatus(deps: RunStatusDependencies, runId: string): Promise<RunStatus> {
  const { runStore } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const records = runStore.describe(runId);
  const run = await runStore.findRun(runId);
  if (run === undefined) {
    const rejection = await getJsonIfExists<NonNullable<RunStatus['rejection']>>(
      runStore.storage,
      runStore.state.bucket,
      runStore.runKey(runId, 'error.json'),
    );
    if (rejection === undefined) {
      throw new RunRecordError(
        `No run "${runId}": neither ${runStore.describe(runId, 'run.json')} nor error.json exists`,
        runId,
      );
    }
    return {
      runId,
      state: 'rejected',
      records,
      attempts: [],
      shards: { total: 0, succeeded: 0, failed: 0, running: 0, pending: 0, list: [] },
      images: { total: 0, tiled: 0, skipped: 0, failed: 0, unreported: 0 },
      failures: [],
      warnings: [],
      assembler: { state: 'unknown', attempt: 0 },
      rejection,
    };
  }

  const shardCount = run.counts.shards;
  const [attempts, results, report] = await Promise.all([
    runStore.listAttempts(runId),
    readResults(runStore, runId, shardCount),
    runStore.getReport(runId),
  ]);

  // The latest attempt covering each shard, and the child index it had there.
  const coverage = new Map<number, { attempt: AttemptRecord; child: number }>();
  for (const attempt of attempts) {
    for (const [child, shard] of attempt.shards.entries()) coverage.set(shard, { attempt, child });
  }

  const batchChildren = await readBatchChildren(deps.batch, attempts, coverage, results);

  const list: ShardStatus[] = [];
  for (let shard = 0; shard < shardCount; shard++) {
    list.push(judgeShard(shard, coverage.get(shard), results.get(shard), batchChildren, now));
  }

  const latest = attempts.at(-1);
  const assembler = await judgeAssembler(deps.batch, latest, report, now);

  const images = { total: run.counts.images, tiled: 0, skipped: 0, failed: 0, unreported: 0 };
  const failures: ImageFailure[] = [];
  const imageWarnings: RunWarning[] = [];
  for (const result of [...results.entries()].sort(([a], [b]) => a - b).map(([, value]) => value)) {
    for (const image of result.images) {
      images[image.status] += 1;
      if (image.status !== 'failed' && image.warnings !== undefined) imageWarnings.push(...image.warnings);
      if (image.status === 'failed') {
        failures.push({ item: image.item, sourceKey: image.sourceKey, reason: image.reason ?? 'no reason given' });
      }
    }
  }
  images.unreported = Math.max(0, images.total - images.tiled - images.skipped - images.failed);

  const count = (state: ShardState): number => list.filter((shard) => shard.state === state).length;
  const shards = {
    total: shardCount,
    succeeded: count('succeeded'),
    failed: count('failed'),
    running: count('running'),
    pending: count('pending'),
    list,
  };

  const reportCurrent = report !== undefined && (latest === undefined || report.finishedAt >= latest.createdAt);
  let state: RunState;
  if (shards.running + shards.pending > 0 || assembler.state === 'running' || assembler.state === 'pending') {
    state = 'running';
  } else if (
    shards.succeeded === shardCount &&
    assembler.state === 'succeeded' &&
    reportCurrent &&
    report?.status === 'succeeded'
  ) {
    state = 'succeeded';
  } else {
    state = 'failed';
  }

  const storage = runStore.storage;
  return {
    runId,
    state,
    records,
    task: {
      jobName: run.task.jobName,
      collectionId: run.task.collectionId,
      source: run.source.location,
      srcBucket: run.task.srcBucket,
      accessDir: run.task.accessDir,
    },
    createdAt: run.createdAt,
    counts: run.counts,
    attempts: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      createdAt: attempt.createdAt,
      shards: attempt.shards.length,
      launcher: attempt.launcher,
      status: attempt.status,
      ...(attempt.shardJobId === undefined ? {} : { shardJobId: attempt.shardJobId }),
      ...(attempt.assemblerJobId === undefined ? {} : { assemblerJobId: attempt.assemblerJobId }),
    })),
    shards,
    images,
    failures,
    // Reports written before warnings existed have none.
    warnings: reportCurrent ? (report?.warnings ?? []) : [...(run.warnings ?? []), ...imageWarnings],
    assembler,
    ...(report === undefined
      ? {}
      : {
          report: {
            location: runStore.describe(runId, 'report.json'),
            status: report.status,
            finishedAt: report.finishedAt,
            current: reportCurrent,
            manifests: report.counts.manifests,
            manifestsUnder: storage.describe(run.task.destBucket, `${collectionKey(run.task)}/`),
            ...(report.collection === undefined
              ? {}
              : {
                  collection: {
                    location: storage.describe(run.task.destBucket, report.collection.key),
                    url: report.collection.url,
                  },
                }),
            itemsWithoutManifest: report.itemsWithoutManifest,
          },
        }),
  };
}

/** Every shard's result record that exists. */
async function readResults(runStore: RunStore, runId: string, shardCount: number): Promise<Map<number, ShardResult>> {
  const results = new Map<number, ShardResult>();
  const shards = Array.from({ length: shardCount }, (_, shard) => shard);
  await forEachLimited(shards, READ_CONCURRENCY, async (shard) => {
    const result = await runStore.getResult(runId, shard);
    if (result !== undefined) results.set(shard, result);
  });
  return results;
}

/**
 * Batch's view of each (attempt, child) whose shard still depends on it: only attempts launched on
 * Batch that cover a shard without a result of their own are asked about. When an array job's
 * children are not (yet) listed, the parent's own state is kept too (under the key of child -1).
 */
async function readBatchChildren(
  batch: BatchJobReader | undefined,
  attempts: readonly AttemptRecord[],
  coverage: ReadonlyMap<number, { attempt: AttemptRecord; child: number }>,
  results: ReadonlyMap<number, ShardResult>,
): Promise<Map<string, BatchJobView>> {
  const children = new Map<string, BatchJobView>();
  if (batch === undefined) return children;
  for (const attempt of attempts) {
    if (attempt.launcher !== 'batch' || attempt.shardJobId === undefined || attempt.shards.length === 0) continue;
    const waiting = [...attempt.shards.entries()].filter(([, shard]) => {
      const covering = coverage.get(shard);
      const result = results.get(shard);
      return (
        covering?.attempt.attempt === attempt.attempt && (result === undefined || result.attempt < attempt.attempt)
      );
    });
    if (waiting.length === 0) continue;
    if (attempt.shards.length === 1) {
      // One shard is submitted as a plain job: it is child 0.
      const [job] = await batch.describeJobs([attempt.shardJobId]);
      if (job !== undefined) children.set(childKey(attempt.attempt, 0), job);
      continue;
    }
    for (const child of await batch.listArrayChildren(attempt.shardJobId)) {
      if (child.arrayIndex !== undefined) children.set(childKey(attempt.attempt, child.arrayIndex), child);
    }
    if (waiting.some(([child]) => !children.has(childKey(attempt.attempt, child)))) {
      const [parent] = await batch.describeJobs([attempt.shardJobId]);
      if (parent !== undefined) children.set(childKey(attempt.attempt, PARENT), parent);
    }
  }
  return children;
}

/** Key of an array job's parent among its children. */
const PARENT = -1;

function childKey(attempt: number, child: number): string {
  return `${attempt}:${child}`;
}

function judgeShard(
  shard: number,
  covering: { attempt: AttemptRecord; child: number } | undefined,
  result: ShardResult | undefined,
  batchChildren: ReadonlyMap<string, BatchJobView>,
  now: Date,
): ShardStatus {
  if (covering === undefined) {
    return result === undefined
      ? { shard, state: 'failed', attempt: 0, reason: 'no attempt covers this shard and it has no result' }
      : fromResult(shard, 0, result);
  }
  const { attempt, child } = covering;
  if (result !== undefined && result.attempt >= attempt.attempt) return fromResult(shard, attempt.attempt, result);

  const base = {
    shard,
    attempt: attempt.attempt,
    ...(result === undefined ? {} : { resultAttempt: result.attempt }),
  };
  const noResult =
    result === undefined
      ? 'no result record'
      : `no result from attempt ${attempt.attempt} (latest from attempt ${result.attempt})`;

  if (attempt.launcher === 'local') {
    return attempt.status === 'launched'
      ? { ...base, state: 'failed', reason: `${noResult}: the worker exited without reporting` }
      : {
          ...base,
          state: 'running',
          reason: `${noResult} yet: attempt ${attempt.attempt} is running on this machine, or was interrupted`,
        };
  }

  if (attempt.shardJobId === undefined) {
    const age = now.getTime() - Date.parse(attempt.createdAt);
    return age < LAUNCH_GRACE_MS
      ? { ...base, state: 'pending', reason: `attempt ${attempt.attempt} is being submitted to Batch` }
      : { ...base, state: 'failed', reason: `attempt ${attempt.attempt} was recorded but never submitted to Batch` };
  }
  const job = batchChildren.get(childKey(attempt.attempt, child));
  const jobId = attempt.shards.length === 1 ? attempt.shardJobId : `${attempt.shardJobId}:${child}`;
  const parent = batchChildren.get(childKey(attempt.attempt, PARENT));
  if (job === undefined && parent !== undefined && isActive(parent.status)) {
    // Children are listed a little after their array job is submitted.
    return {
      ...base,
      state: 'pending',
      jobId,
      batchStatus: parent.status,
      reason: `array job ${attempt.shardJobId} is ${parent.status}; child ${child} not listed yet`,
    };
  }
  if (job === undefined) {
    return {
      ...base,
      state: 'failed',
      jobId,
      reason: `${noResult}, and Batch does not know job ${jobId} (any more)`,
    };
  }
  const withJob = { ...base, jobId: job.jobId, batchStatus: job.status };
  switch (job.status) {
    case 'FAILED':
      return { ...withJob, state: 'failed', reason: `Batch job failed: ${describeJobFailure(job)}` };
    case 'SUCCEEDED':
      return { ...withJob, state: 'failed', reason: `${noResult}: the Batch job succeeded without writing one` };
    case 'RUNNING':
      return { ...withJob, state: 'running' };
    default:
      return { ...withJob, state: 'pending' };
  }
}

function fromResult(shard: number, attempt: number, result: ShardResult): ShardStatus {
  const failed = result.images.filter((image) => image.status === 'failed').length;
  const succeeded = result.status === 'succeeded' && failed === 0;
  return {
    shard,
    state: succeeded ? 'succeeded' : 'failed',
    attempt,
    resultAttempt: result.attempt,
    ...(succeeded ? {} : { reason: `${failed} of ${result.images.length} images failed` }),
  };
}

async function judgeAssembler(
  batch: BatchJobReader | undefined,
  latest: AttemptRecord | undefined,
  report: RunReport | undefined,
  now: Date,
): Promise<RunStatus['assembler']> {
  if (latest === undefined) {
    return report === undefined
      ? { state: 'unknown', attempt: 0, reason: 'the run has no attempt' }
      : { state: 'succeeded', attempt: 0 };
  }
  const attempt = latest.attempt;
  const reported = report !== undefined && report.finishedAt >= latest.createdAt;
  if (latest.launcher === 'local') {
    if (reported) return { state: 'succeeded', attempt };
    return latest.status === 'launched'
      ? { state: 'failed', attempt, reason: `the assembler of attempt ${attempt} wrote no report` }
      : { state: 'pending', attempt, reason: `attempt ${attempt} is running on this machine, or was interrupted` };
  }
  if (latest.assemblerJobId === undefined) {
    const age = now.getTime() - Date.parse(latest.createdAt);
    return age < LAUNCH_GRACE_MS
      ? { state: 'pending', attempt, reason: `attempt ${attempt} is being submitted to Batch` }
      : { state: 'failed', attempt, reason: `attempt ${attempt} was recorded but its assembler never submitted` };
  }
  const jobId = latest.assemblerJobId;
  const [job] = batch === undefined ? [] : await batch.describeJobs([jobId]);
  if (job === undefined) {
    // Batch forgets finished jobs after a while: the report is the evidence then.
    return reported
      ? { state: 'succeeded', attempt, jobId }
      : { state: 'unknown', attempt, jobId, reason: `no report, and Batch does not know job ${jobId} (any more)` };
  }
  const base = { attempt, jobId, batchStatus: job.status };
  switch (job.status) {
    case 'SUCCEEDED':
      return reported
        ? { ...base, state: 'succeeded' }
        : { ...base, state: 'failed', reason: 'the Batch job succeeded but no report was written' };
    case 'FAILED':
      return { ...base, state: 'failed', reason: describeJobFailure(job) };
    case 'RUNNING':
      return { ...base, state: 'running' };
    default:
      return { ...base, state: 'pending' };
  }
}
