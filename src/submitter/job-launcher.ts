import type { StateLocation } from '../run/run-records.js';
import type { Task } from '../task/task.js';

/** One submission of shards of a run: the shard jobs, then the assembler after them. */
export interface LaunchRequest {
  readonly runId: string;
  /** 1 for the first submission; resubmissions count up. Children get it as IIIF_BATCH_ATTEMPT. */
  readonly attempt: number;
  /**
   * Original shard numbers to tile; child `i` tiles `shards[i]`. For attempt 1 this is every shard
   * in order (0..n-1), so child index = shard number.
   */
  readonly shards: readonly number[];
  readonly task: Task;
  readonly state: StateLocation;
}

export interface LaunchResult {
  /** The array job (or plain job, for one shard) id; locally a descriptive id. */
  readonly shardJobId: string;
  /** The assembler job that depends on the shard job. */
  readonly assemblerJobId: string;
  /**
   * Whether the work has already finished when `launch` returns (local launcher: yes, it waits;
   * Batch: no, the jobs run later).
   */
  readonly completed: boolean;
}

/**
 * Starts the shard workers and, once they have all exited, the assembler. The submitter core
 * receives one and never knows whether it is AWS Batch or local processes.
 */
export interface JobLauncher {
  readonly kind: 'local' | 'batch';
  /**
   * Whether `launch` resolves only once the jobs have ended (local processes), so that the launching
   * process outlives the work: it then keeps the collection's lease, which is free once it is gone.
   * Batch: no, the jobs run on after the submitter returns and keep the lease themselves.
   */
  readonly waitsForJobs: boolean;
  launch(request: LaunchRequest): Promise<LaunchResult>;
}
