import { type BatchJobReader, type BatchJobView, describeJobFailure, isActive } from '../operations/batch-jobs.js';
import type { AssemblerState, JobTracker, ShardState, TrackedJob } from '../operations/job-tracker.js';
import type { BatchJobSettings, EarlierBatchJobs } from '../operations/resolve-batch-config.js';
import type { AttemptRecord } from '../run/run-records.js';

/** A cloud attempt recorded but not (yet) launched longer ago than this is taken as abandoned. */
const LAUNCH_GRACE_MS = 5 * 60 * 1000;

type ShardJob = TrackedJob<Exclude<ShardState, 'succeeded'>>;

/**
 * The jobs of attempts launched on AWS Batch, from Batch (`ListJobs` over an array job's children,
 * `DescribeJobs`). An attempt is one array job of its shards (child i tiles the attempt's i-th
 * shard; a single shard is a plain job) and an assembler job depending on it.
 */
export class BatchJobTracker implements JobTracker, EarlierBatchJobs {
  public constructor(private readonly batch: BatchJobReader) {}

  public async shardJobs(
    attempt: AttemptRecord,
    shards: Parameters<JobTracker['shardJobs']>[1],
    now: Date,
  ): Promise<Map<number, ShardJob>> {
    const number = attempt.attempt;
    const shardJobId = attempt.shardJobId;
    if (shardJobId === undefined) {
      const submitting = now.getTime() - Date.parse(attempt.createdAt) < LAUNCH_GRACE_MS;
      const job: ShardJob = submitting
        ? { state: 'pending', reason: `attempt ${number} is being submitted to Batch` }
        : { state: 'failed', reason: `attempt ${number} was recorded but never submitted to Batch` };
      return new Map(shards.map(({ child }) => [child, job]));
    }
    const single = attempt.shards.length === 1;
    const children = new Map<number, BatchJobView>();
    let parent: BatchJobView | undefined;
    if (single) {
      // One shard is submitted as a plain job: it is child 0.
      const [job] = await this.batch.describeJobs([shardJobId]);
      if (job !== undefined) children.set(0, job);
    } else {
      for (const child of await this.batch.listArrayChildren(shardJobId)) {
        if (child.arrayIndex !== undefined) children.set(child.arrayIndex, child);
      }
      if (shards.some(({ child }) => !children.has(child))) [parent] = await this.batch.describeJobs([shardJobId]);
    }

    const tracked = new Map<number, ShardJob>();
    for (const { child, missing } of shards) {
      const job = children.get(child);
      const jobId = single ? shardJobId : `${shardJobId}:${child}`;
      if (job === undefined && parent !== undefined && isActive(parent.status)) {
        // Children are listed a little after their array job is submitted.
        tracked.set(child, {
          state: 'pending',
          jobId,
          batchStatus: parent.status,
          reason: `array job ${shardJobId} is ${parent.status}; child ${child} not listed yet`,
        });
      } else if (job === undefined) {
        tracked.set(child, {
          state: 'failed',
          jobId,
          reason: `${missing}, and Batch does not know job ${jobId} (any more)`,
        });
      } else {
        tracked.set(child, { ...fromShardJob(job, missing), jobId: job.jobId, batchStatus: job.status });
      }
    }
    return tracked;
  }

  public async assemblerJob(attempt: AttemptRecord, reported: boolean, now: Date): Promise<TrackedJob<AssemblerState>> {
    const number = attempt.attempt;
    const jobId = attempt.assemblerJobId;
    if (jobId === undefined) {
      return now.getTime() - Date.parse(attempt.createdAt) < LAUNCH_GRACE_MS
        ? { state: 'pending', reason: `attempt ${number} is being submitted to Batch` }
        : { state: 'failed', reason: `attempt ${number} was recorded but its assembler never submitted` };
    }
    const [job] = await this.batch.describeJobs([jobId]);
    if (job === undefined) {
      // Batch forgets finished jobs after a while: the report is the evidence then.
      return reported
        ? { state: 'succeeded', jobId }
        : { state: 'unknown', jobId, reason: `no report, and Batch does not know job ${jobId} (any more)` };
    }
    const base = { jobId, batchStatus: job.status };
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

  /** The queue and job definitions of the latest of the run's Batch jobs that Batch still describes. */
  public async launchSettings(attempts: readonly Pick<AttemptRecord, 'launcher' | 'shardJobId' | 'assemblerJobId'>[]) {
    const batchAttempts = [...attempts].reverse().filter((attempt) => attempt.launcher === 'batch');
    const shardJob = batchAttempts.find((attempt) => attempt.shardJobId !== undefined)?.shardJobId;
    const assemblerJob = batchAttempts.find((attempt) => attempt.assemblerJobId !== undefined)?.assemblerJobId;
    const ids = [shardJob, assemblerJob].filter((id): id is string => id !== undefined);
    const jobs = ids.length === 0 ? [] : await this.batch.describeJobs(ids);
    const shard = jobs.find((job) => job.jobId === shardJob);
    const assembler = jobs.find((job) => job.jobId === assemblerJob);
    const settings: BatchJobSettings = {
      jobQueue: shard?.jobQueue ?? assembler?.jobQueue,
      workerJobDefinition: shard?.jobDefinition,
      assemblerJobDefinition: assembler?.jobDefinition,
    };
    return settings;
  }
}

/** A shard's job that Batch knows, still without the shard's result. */
function fromShardJob(job: BatchJobView, missing: string): ShardJob {
  switch (job.status) {
    case 'FAILED':
      return { state: 'failed', reason: `Batch job failed: ${describeJobFailure(job)}` };
    case 'SUCCEEDED':
      return { state: 'failed', reason: `${missing}: the Batch job succeeded without writing one` };
    case 'RUNNING':
      return { state: 'running' };
    default:
      return { state: 'pending' };
  }
}
