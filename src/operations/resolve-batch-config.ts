import { type BatchSubmitConfig, type CliCloudConfig, SUBMITTER_ENV } from '../config.js';
import { ConfigError } from '../errors.js';
import type { BatchJobReader } from './batch-jobs.js';
import type { RunStatus } from './read-run-status.js';

/**
 * The Batch settings for launching more jobs of a run: what flags and environment give, and for
 * what they leave out, the job queue and job definitions of the run's own earlier jobs (so
 * `resubmit RUN_ID` needs no configuration when Batch still knows those jobs).
 *
 * @throws ConfigError naming the flag and variable of a setting that cannot be found
 */
export async function resolveBatchSubmitConfig(
  partial: CliCloudConfig['batch'],
  attempts: RunStatus['attempts'],
  reader: BatchJobReader,
): Promise<BatchSubmitConfig> {
  let { jobQueue, workerJobDefinition, assemblerJobDefinition } = partial;
  if (jobQueue === undefined || workerJobDefinition === undefined || assemblerJobDefinition === undefined) {
    const batchAttempts = [...attempts].reverse().filter((attempt) => attempt.launcher === 'batch');
    const shardJob = batchAttempts.find((attempt) => attempt.shardJobId !== undefined)?.shardJobId;
    const assemblerJob = batchAttempts.find((attempt) => attempt.assemblerJobId !== undefined)?.assemblerJobId;
    const ids = [shardJob, assemblerJob].filter((id): id is string => id !== undefined);
    const jobs = ids.length === 0 ? [] : await reader.describeJobs(ids);
    const shard = jobs.find((job) => job.jobId === shardJob);
    const assembler = jobs.find((job) => job.jobId === assemblerJob);
    jobQueue ??= shard?.jobQueue ?? assembler?.jobQueue;
    workerJobDefinition ??= shard?.jobDefinition;
    assemblerJobDefinition ??= assembler?.jobDefinition;
  }
  return {
    ...partial,
    jobQueue: need(jobQueue, 'job queue', '--job-queue', SUBMITTER_ENV.jobQueue),
    workerJobDefinition: need(
      workerJobDefinition,
      'shard-worker job definition',
      '--worker-job-definition',
      SUBMITTER_ENV.workerJobDefinition,
    ),
    assemblerJobDefinition: need(
      assemblerJobDefinition,
      'assembler job definition',
      '--assembler-job-definition',
      SUBMITTER_ENV.assemblerJobDefinition,
    ),
  };
}

function need(value: string | undefined, what: string, flag: string, variable: string): string {
  if (value !== undefined) return value;
  throw new ConfigError(
    `Missing the Batch ${what}: pass ${flag} or set ${variable} (Batch no longer describes the run's earlier jobs, where it would be taken from)`,
    variable,
  );
}
