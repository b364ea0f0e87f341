/**
 * What the operator commands need to know about AWS Batch jobs, independent of the SDK. The
 * adapter (`src/aws/batch-status.ts`) reads it from `ListJobs` and `DescribeJobs`.
 */

/** Batch job states, in the order a job passes through them. */
export const BATCH_JOB_STATUSES = [
  'SUBMITTED',
  'PENDING',
  'RUNNABLE',
  'STARTING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
] as const;
export type BatchJobStatus = (typeof BATCH_JOB_STATUSES)[number];

/** One job (or one child of an array job) as Batch reports it. */
export interface BatchJobView {
  readonly jobId: string;
  readonly status: BatchJobStatus;
  /** Batch's words on why the job is in its state (e.g. `Essential container in task exited`). */
  readonly statusReason?: string;
  /** The container's exit code, once it has exited. */
  readonly exitCode?: number;
  /** The container's own reason (e.g. `OutOfMemoryError: Container killed due to memory usage`). */
  readonly containerReason?: string;
  /** Child index for a child of an array job. */
  readonly arrayIndex?: number;
  /** Queue ARN (DescribeJobs only). */
  readonly jobQueue?: string;
  /** Job definition ARN. */
  readonly jobDefinition?: string;
}

/** Reads job states from Batch. */
export interface BatchJobReader {
  /** Every child of an array job, whatever its state (paginates). */
  listArrayChildren(arrayJobId: string): Promise<BatchJobView[]>;
  /** The jobs Batch still knows among `jobIds` (ids it has forgotten are left out). */
  describeJobs(jobIds: readonly string[]): Promise<BatchJobView[]>;
}

/** Whether a job has not finished yet. */
export function isActive(status: BatchJobStatus): boolean {
  return status !== 'SUCCEEDED' && status !== 'FAILED';
}

/** A failed job's reason in one line: Batch's reason, the container's, and the exit code. */
export function describeJobFailure(job: BatchJobView): string {
  const parts = [job.statusReason, job.containerReason].filter(
    (part): part is string => part !== undefined && part !== '',
  );
  const reason = parts.length === 0 ? 'Batch gave no reason' : parts.join('; ');
  return job.exitCode === undefined ? reason : `${reason} (exit code ${job.exitCode})`;
}
