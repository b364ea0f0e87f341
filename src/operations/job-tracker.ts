import type { AttemptRecord } from '../run/run-records.js';
import type { BatchJobStatus } from './batch-jobs.js';

export type ShardState = 'succeeded' | 'failed' | 'running' | 'pending';
export type AssemblerState = 'succeeded' | 'failed' | 'running' | 'pending' | 'unknown';

/** What the job system tells of one job of an attempt: a shard's job or the assembler. */
export interface TrackedJob<State extends string> {
  readonly state: State;
  readonly reason?: string;
  /** The job's id, where the job system has one (a Batch job id, `arr:3` for a child). */
  readonly jobId?: string;
  /** The job's state in AWS Batch, for jobs that ran there (shown by `status`). */
  readonly batchStatus?: BatchJobStatus;
}

/** A shard of an attempt that has no result record from that attempt (or a later one). */
export interface UnreportedShard {
  /** Its index in the attempt's `shards` (the array child that tiles it). */
  readonly child: number;
  /** What is missing, to begin a reason with: `no result record`, `no result from attempt 2 (…)`. */
  readonly missing: string;
}

/**
 * Watches the jobs an attempt launched (the other half of `JobLauncher`): AWS Batch asks Batch,
 * local asks nothing (the local launcher waits for its processes before recording the attempt as
 * launched). Chosen once, where a command opens its target; the core never asks which one it has.
 * Result records and reports are the run store's business: a tracker is asked only about shards
 * without a result and tells the assembler apart only by `reported`.
 */
export interface JobTracker {
  /** The state of the jobs that tile `shards` of `attempt`, by child index (every one given). */
  shardJobs(
    attempt: AttemptRecord,
    shards: readonly UnreportedShard[],
    now: Date,
  ): Promise<ReadonlyMap<number, TrackedJob<Exclude<ShardState, 'succeeded'>>>>;
  /**
   * The state of the assembler of `attempt`; `reported`: a report was written after the attempt
   * started.
   */
  assemblerJob(attempt: AttemptRecord, reported: boolean, now: Date): Promise<TrackedJob<AssemblerState>>;
}
