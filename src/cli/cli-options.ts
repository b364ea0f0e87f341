import type { Argv } from 'yargs';
import type * as z from 'zod';
import { cpuCount } from '../config.js';
import { checkValue } from '../validation/parse-input.js';
import { integer } from '../validation/rules.js';

/**
 * Checks a flag's value with its rule (in a yargs `check`, which prints the message and exits 2):
 * `Expected integer between 1 and 256 for --workers but received 0 of type number`.
 */
export function checkFlag(flag: string, rule: z.ZodType, value: unknown): true {
  checkValue(flag, rule, value, (message) => new Error(message));
  return true;
}

/** Shard workers running at once on this machine. */
export const workersRule = integer(1, 256);

/** Options every operator command shares: the local root (else AWS) and `--json`. */
export function withTargetOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('local-root', {
      type: 'string',
      describe: 'Work on a local run under DIR (state in DIR/_iiif-batch) instead of on AWS',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object with the result on stdout' });
}

/** Where a cloud run's records are, and how to reach AWS. */
export function withCloudOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('state-bucket', {
      type: 'string',
      describe: 'Bucket of the run records (default: IIIF_BATCH_STATE_BUCKET, else the task bucket)',
      group: 'AWS:',
    })
    .option('state-prefix', {
      type: 'string',
      describe: 'Key prefix of the run records (default: IIIF_BATCH_STATE_PREFIX, else none)',
      group: 'AWS:',
    })
    .option('region', { type: 'string', describe: 'AWS region (default: AWS_REGION / your AWS config)', group: 'AWS:' })
    .option('endpoint-url', {
      type: 'string',
      describe: 'Endpoint for every AWS client, e.g. a local emulator (default: AWS_ENDPOINT_URL)',
      group: 'AWS:',
    });
}

/** How new Batch jobs are submitted (resubmit, assemble). */
export function withBatchOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('job-queue', {
      type: 'string',
      describe: "Batch job queue (default: IIIF_BATCH_JOB_QUEUE, else the run's earlier jobs' queue)",
      group: 'AWS:',
    })
    .option('worker-job-definition', {
      type: 'string',
      describe: "Shard-worker job definition (default: IIIF_BATCH_WORKER_JOB_DEFINITION, else the run's earlier one)",
      group: 'AWS:',
    })
    .option('assembler-job-definition', {
      type: 'string',
      describe: "Assembler job definition (default: IIIF_BATCH_ASSEMBLER_JOB_DEFINITION, else the run's earlier one)",
      group: 'AWS:',
    });
}

/** `--workers N` for commands that run shard workers locally. */
export function withWorkersOption<T>(yargs: Argv<T>) {
  return yargs
    .option('workers', {
      type: 'number',
      default: cpuCount(),
      describe: 'With --local-root: shard workers running at once (default: number of CPUs)',
    })
    .check((argv) => checkFlag('--workers', workersRule, (argv as { workers?: unknown }).workers));
}

/** The parsed shared options, as handlers receive them. */
export interface TargetArgs {
  readonly localRoot?: string | undefined;
  readonly json: boolean;
  readonly stateBucket?: string | undefined;
  readonly statePrefix?: string | undefined;
  readonly region?: string | undefined;
  readonly endpointUrl?: string | undefined;
}

export interface BatchArgs {
  readonly jobQueue?: string | undefined;
  readonly workerJobDefinition?: string | undefined;
  readonly assemblerJobDefinition?: string | undefined;
}
