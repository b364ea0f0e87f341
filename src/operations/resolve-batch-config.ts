import { type BatchSubmitConfig, type CliCloudConfig, SUBMITTER_ENV } from '../config.js';
import { ConfigError } from '../errors.js';
import type { RunStatus } from './read-run-status.js';

/** Settings of a run's earlier Batch jobs; a field is absent when Batch no longer describes them. */
export interface BatchJobSettings {
  readonly jobQueue: string | undefined;
  readonly workerJobDefinition: string | undefined;
  readonly assemblerJobDefinition: string | undefined;
}

/** Where the settings of a run's earlier jobs are found (the Batch job tracker). */
export interface EarlierBatchJobs {
  launchSettings(attempts: RunStatus['attempts']): Promise<BatchJobSettings>;
}

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
  earlierJobs: EarlierBatchJobs,
): Promise<BatchSubmitConfig> {
  let { jobQueue, workerJobDefinition, assemblerJobDefinition } = partial;
  if (jobQueue === undefined || workerJobDefinition === undefined || assemblerJobDefinition === undefined) {
    const earlier = await earlierJobs.launchSettings(attempts);
    jobQueue ??= earlier.jobQueue;
    workerJobDefinition ??= earlier.workerJobDefinition;
    assemblerJobDefinition ??= earlier.assemblerJobDefinition;
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
