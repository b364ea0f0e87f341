import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BatchJobTracker } from '../aws/batch-job-tracker.js';
import { type CliCloudConfig, type CliCloudFlags, type Env, readCliCloudConfig, SUBMITTER_ENV } from '../config.js';
import { ConfigError, InvalidInputError } from '../errors.js';
import { LocalJobTracker } from '../local/local-job-tracker.js';
import { LOCAL_STATE } from '../local/run-local.js';
import { RunStore } from '../run/run-store.js';
import { FsStorage } from '../storage/fs-storage.js';
import type { AwsContext } from './aws-context.js';
import type { BatchArgs, TargetArgs } from './cli-options.js';

/** A local root: storage is the filesystem, launches are local processes. */
export interface LocalTarget {
  readonly kind: 'local';
  readonly localRoot: string;
  readonly storage: FsStorage;
  readonly runStore: RunStore;
  readonly tracker: LocalJobTracker;
}

/** AWS: S3, Batch, SQS, configured from flags and environment. */
export interface CloudTarget {
  readonly kind: 'cloud';
  readonly config: CliCloudConfig;
  readonly aws: AwsContext;
  /** Batch's word on the jobs of runs; also knows the queue and job definitions of earlier jobs. */
  readonly tracker: BatchJobTracker;
}

export type Target = LocalTarget | CloudTarget;

/** What a command works on: `--local-root DIR`, else AWS. */
export async function openTarget(
  argv: TargetArgs &
    BatchArgs & {
      readonly bucket?: string | undefined;
      readonly taskPrefix?: string | undefined;
      readonly queueUrl?: string | undefined;
      readonly dlqUrl?: string | undefined;
    },
  env: Env,
): Promise<Target> {
  if (argv.localRoot !== undefined) return openLocal(argv.localRoot);
  const flags: CliCloudFlags = {
    bucket: argv.bucket,
    taskPrefix: argv.taskPrefix,
    stateBucket: argv.stateBucket,
    statePrefix: argv.statePrefix,
    queueUrl: argv.queueUrl,
    dlqUrl: argv.dlqUrl,
    jobQueue: argv.jobQueue,
    workerJobDefinition: argv.workerJobDefinition,
    assemblerJobDefinition: argv.assemblerJobDefinition,
    region: argv.region,
    endpointUrl: argv.endpointUrl,
  };
  const config = readCliCloudConfig(flags, env);
  // The SDK is loaded only for cloud commands.
  const { createAwsContext } = await import('./aws-context.js');
  const aws = createAwsContext(config);
  return { kind: 'cloud', config, aws, tracker: aws.jobTracker() };
}

/** @throws InvalidInputError when `dir` is not an existing folder */
export async function openLocal(dir: string): Promise<LocalTarget> {
  const localRoot = resolve(dir);
  const info = await stat(localRoot).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new InvalidInputError(`Expected an existing folder for --local-root but "${dir}" is not one`, {
      field: 'local-root',
    });
  }
  const storage = new FsStorage(localRoot);
  return {
    kind: 'local',
    localRoot,
    storage,
    runStore: new RunStore(storage, LOCAL_STATE),
    tracker: new LocalJobTracker(),
  };
}

/** The run records of a target. @throws ConfigError when no state bucket is configured for AWS */
export function runStoreOf(target: Target): RunStore {
  if (target.kind === 'local') return target.runStore;
  if (target.config.state === undefined) {
    throw new ConfigError(
      `Missing the bucket of the run records: pass --state-bucket or set ${SUBMITTER_ENV.stateBucket} (or IIIF_BATCH_TASK_BUCKET)`,
      SUBMITTER_ENV.stateBucket,
    );
  }
  return new RunStore(target.aws.storage, target.config.state);
}
