import { RunRecordError } from '../errors.js';
import { describeScope, leaseScopeOf } from '../lease/lease-records.js';
import { judgeLease, readLease } from '../lease/read-lease.js';
import type {
  AttemptRecord,
  ImageFailure,
  IncompleteItem,
  RunCounts,
  RunReport,
  ShardResult,
} from '../run/run-records.js';
import type { RunStore } from '../run/run-store.js';
import type { RunWarning } from '../run/run-warning.js';
import { getJsonIfExists } from '../storage/storage.js';
import { collectionKey } from '../task/task.js';
import { forEachLimited } from '../util/for-each-limited.js';
import type { VerifyResult } from '../verify/verify-published.js';
import type { BatchJobStatus } from './batch-jobs.js';
import type { AssemblerState, JobTracker, ShardState, UnreportedShard } from './job-tracker.js';

export type { AssemblerState, ShardState } from './job-tracker.js';
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
    /** Items that got no new manifest because an image failed (`RunReport.incompleteItems`). */
    readonly incompleteItems: readonly IncompleteItem[];
    /** What the assembler's verify found (reports before verify existed have none). */
    readonly verify?: VerifyResult;
  };
  /**
   * The lease of the run's collection (one run of a collection at a time): who holds it, or who
   * released it last. Absent when the collection has never been leased.
   */
  readonly lease?: {
    readonly collection: string;
    /** The run that took the current generation: this run, or another one. */
    readonly runId: string;
    readonly by: string;
    readonly acquiredAt: string;
    readonly lastSign: string;
    readonly expiresAt: string;
    readonly released?: { readonly at: string; readonly by: string; readonly reason: string };
    /** When not released: why another run may take it now (its holder is gone), if so. */
    readonly free?: string;
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
  /** Tells the state of the jobs of shards without a result, and of the assembler. */
  readonly tracker: JobTracker;
  readonly now?: () => Date;
}

const READ_CONCURRENCY = 16;

/**
 * The state of a run from its records and from the job tracker: each shard is judged by the latest
 * attempt that covered it. A result record written by that attempt (or a later one) decides
 * (`failed` when any image failed); without one, the tracker's word on the attempt's job for it
 * decides (on Batch: FAILED, or SUCCEEDED without a result: failed; RUNNING: running; earlier
 * states: pending; locally: a finished attempt without a result means the worker never reported).
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
  const [attempts, results, report, lease] = await Promise.all([
    runStore.listAttempts(runId),
    readResults(runStore, runId, shardCount),
    runStore.getReport(runId),
    readLeaseStatus(runStore, leaseScopeOf(run.task), now),
  ]);

  // The latest attempt covering each shard, and the child index it had there.
  const coverage = new Map<number, { attempt: AttemptRecord; child: number }>();
  for (const attempt of attempts) {
    for (const [child, shard] of attempt.shards.entries()) coverage.set(shard, { attempt, child });
  }

  const tracked = await trackUnreportedShards(deps.tracker, attempts, coverage, results, now);

  const list: ShardStatus[] = [];
  for (let shard = 0; shard < shardCount; shard++) {
    list.push(judgeShard(shard, coverage.get(shard), results.get(shard), tracked));
  }

  const latest = attempts.at(-1);
  const assembler = await judgeAssembler(deps.tracker, latest, report, now);

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
            incompleteItems: report.incompleteItems ?? [],
            ...(report.verify === undefined ? {} : { verify: report.verify }),
          },
        }),
    ...(lease === undefined ? {} : { lease }),
  };
}

/** The collection's lease as `status` shows it. */
async function readLeaseStatus(
  runStore: RunStore,
  scope: ReturnType<typeof leaseScopeOf>,
  now: Date,
): Promise<RunStatus['lease']> {
  const state = await readLease(runStore, scope);
  if (state === undefined) return undefined;
  const { record, release } = state;
  const verdict = release === undefined ? await judgeLease({ runStore, now }, state) : undefined;
  return {
    collection: describeScope(scope),
    runId: record.runId,
    by: record.by,
    acquiredAt: record.acquiredAt,
    lastSign: state.lastSign.toISOString(),
    expiresAt: state.expiresAt.toISOString(),
    ...(release === undefined ? {} : { released: { at: release.at, by: release.by, reason: release.reason } }),
    ...(verdict?.free === true ? { free: verdict.reason } : {}),
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

type TrackedShard = Awaited<ReturnType<JobTracker['shardJobs']>> extends ReadonlyMap<number, infer T> ? T : never;

/**
 * The tracker's word on each (attempt, child) whose shard still depends on it: the shards without a
 * result from the latest attempt covering them, asked about once per attempt.
 */
async function trackUnreportedShards(
  tracker: JobTracker,
  attempts: readonly AttemptRecord[],
  coverage: ReadonlyMap<number, { attempt: AttemptRecord; child: number }>,
  results: ReadonlyMap<number, ShardResult>,
  now: Date,
): Promise<Map<string, TrackedShard>> {
  const tracked = new Map<string, TrackedShard>();
  for (const attempt of attempts) {
    const unreported: UnreportedShard[] = [];
    for (const [child, shard] of attempt.shards.entries()) {
      const result = results.get(shard);
      if (coverage.get(shard)?.attempt.attempt !== attempt.attempt) continue;
      if (result !== undefined && result.attempt >= attempt.attempt) continue;
      unreported.push({ child, missing: missingResult(attempt, result) });
    }
    if (unreported.length === 0) continue;
    for (const [child, job] of await tracker.shardJobs(attempt, unreported, now)) {
      tracked.set(childKey(attempt.attempt, child), job);
    }
  }
  return tracked;
}

function missingResult(attempt: AttemptRecord, result: ShardResult | undefined): string {
  return result === undefined
    ? 'no result record'
    : `no result from attempt ${attempt.attempt} (latest from attempt ${result.attempt})`;
}

function childKey(attempt: number, child: number): string {
  return `${attempt}:${child}`;
}

function judgeShard(
  shard: number,
  covering: { attempt: AttemptRecord; child: number } | undefined,
  result: ShardResult | undefined,
  tracked: ReadonlyMap<string, TrackedShard>,
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
  const job = tracked.get(childKey(attempt.attempt, child));
  return job === undefined
    ? { ...base, state: 'failed', reason: `${missingResult(attempt, result)}: its job was not tracked` }
    : { ...base, ...job };
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
  tracker: JobTracker,
  latest: AttemptRecord | undefined,
  report: RunReport | undefined,
  now: Date,
): Promise<RunStatus['assembler']> {
  if (latest === undefined) {
    return report === undefined
      ? { state: 'unknown', attempt: 0, reason: 'the run has no attempt' }
      : { state: 'succeeded', attempt: 0 };
  }
  const reported = report !== undefined && report.finishedAt >= latest.createdAt;
  return { ...(await tracker.assemblerJob(latest, reported, now)), attempt: latest.attempt };
}
