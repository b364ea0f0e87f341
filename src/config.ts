import { cpus } from 'node:os';
import { ConfigError } from './errors.js';
import { LOCAL_STATE_BUCKET, type StateLocation } from './run/run-records.js';

/**
 * The only module that reads `process.env`. Entry points call a `read*Config` function once and
 * pass typed values inward; every other module receives what it needs as arguments.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** The process environment (for entry points and for passing on to child processes). */
export function processEnv(): Env {
  return process.env;
}

export function requiredVar(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === '') {
    throw new ConfigError(`Missing environment variable ${name}`, name);
  }
  return value;
}

export function optionalVar(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function integerVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalVar(env, name);
  if (raw === undefined) return fallback;
  const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`Expected integer between ${min} and ${max} for ${name} but received "${raw}"`, name);
  }
  return value;
}

export function booleanVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = optionalVar(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`Expected true or false for ${name} but received "${raw}"`, name);
}

export function listVar(env: Env, name: string): string[] {
  return (optionalVar(env, name) ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** How logs are written: JSON lines (cloud, child processes) or readable text (a terminal). */
export interface LogConfig {
  readonly format: 'json' | 'pretty';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
}

export function readLogConfig(env: Env = processEnv(), isTty = Boolean(process.stderr.isTTY)): LogConfig {
  const format = optionalVar(env, 'LOG_FORMAT') ?? (isTty ? 'pretty' : 'json');
  if (format !== 'json' && format !== 'pretty') {
    throw new ConfigError(`Expected json or pretty for LOG_FORMAT but received "${format}"`, 'LOG_FORMAT');
  }
  const level = optionalVar(env, 'LOG_LEVEL')?.toLowerCase() ?? 'info';
  if (level !== 'debug' && level !== 'info' && level !== 'warn' && level !== 'error') {
    throw new ConfigError(`Expected debug, info, warn or error for LOG_LEVEL but received "${level}"`, 'LOG_LEVEL');
  }
  return { format, level };
}

/**
 * Environment variables of the container jobs (shard worker and assembler). A Batch array child
 * gets `AWS_BATCH_JOB_ARRAY_INDEX` from Batch; the rest comes from the submitter's SubmitJob.
 */
export const JOB_ENV = {
  runId: 'IIIF_BATCH_RUN_ID',
  stateBucket: 'IIIF_BATCH_STATE_BUCKET',
  statePrefix: 'IIIF_BATCH_STATE_PREFIX',
  attempt: 'IIIF_BATCH_ATTEMPT',
  /** Set only for local runs: storage is the filesystem under this folder instead of S3. */
  localRoot: 'IIIF_BATCH_LOCAL_ROOT',
  arrayIndex: 'AWS_BATCH_JOB_ARRAY_INDEX',
  /** How many uploads a worker keeps in flight. */
  uploadConcurrency: 'IIIF_BATCH_UPLOAD_CONCURRENCY',
} as const;

/**
 * The EventBridge bus run events go to (name or ARN; `default` is the account's default bus). Set by
 * the stack for the assembler ("Run finished") and the submitter ("Task rejected"); unset, events
 * are only logged.
 */
export const EVENT_BUS_ENV = 'IIIF_BATCH_EVENT_BUS';

export function readEventBus(env: Env = processEnv()): string | undefined {
  return optionalVar(env, EVENT_BUS_ENV);
}

/** What both container jobs need to find their run. */
export interface JobConfig {
  readonly runId: string;
  readonly state: StateLocation;
  /** Which submission of the run this job belongs to (1 = first). */
  readonly attempt: number;
  /** Filesystem root for local runs; `undefined` means S3. */
  readonly localRoot: string | undefined;
}

export function readJobConfig(env: Env = processEnv()): JobConfig {
  const localRoot = optionalVar(env, JOB_ENV.localRoot);
  return {
    runId: requiredVar(env, JOB_ENV.runId),
    state: {
      bucket:
        optionalVar(env, JOB_ENV.stateBucket) ??
        (localRoot === undefined ? requiredVar(env, JOB_ENV.stateBucket) : LOCAL_STATE_BUCKET),
      prefix: optionalVar(env, JOB_ENV.statePrefix) ?? '',
    },
    attempt: integerVar(env, JOB_ENV.attempt, 1, 1, 1_000_000),
    localRoot,
  };
}

export interface WorkerConfig extends JobConfig {
  /** Child index in the array job (0 for a plain, one-shard job). */
  readonly childIndex: number;
  readonly uploadConcurrency: number;
}

export function readWorkerConfig(env: Env = processEnv()): WorkerConfig {
  return {
    ...readJobConfig(env),
    childIndex: integerVar(env, JOB_ENV.arrayIndex, 0, 0, 9_999),
    uploadConcurrency: integerVar(env, JOB_ENV.uploadConcurrency, 16, 1, 256),
  };
}

/** How the shard worker uses libvips. */
export interface TilerConfig {
  /**
   * `VIPS_CONCURRENCY`: libvips threads (the local launcher sets it so that N workers share the
   * CPUs); `undefined` means one per available CPU.
   */
  readonly threads: number | undefined;
}

export function readTilerConfig(env: Env = processEnv()): TilerConfig {
  const raw = optionalVar(env, 'VIPS_CONCURRENCY');
  return { threads: raw === undefined ? undefined : integerVar(env, 'VIPS_CONCURRENCY', 1, 1, 1024) };
}

/** Number of CPUs, the default count of local workers. */
export function cpuCount(): number {
  return Math.max(1, cpus().length);
}

/** Environment of the submitter Lambda, set by the CDK stack. */
export const SUBMITTER_ENV = {
  /** Bucket for run records (the task bucket). */
  stateBucket: 'IIIF_BATCH_STATE_BUCKET',
  /** Key prefix of the pipeline's records in the state bucket (default: none; records go to `runs/`, `published/`). */
  statePrefix: 'IIIF_BATCH_STATE_PREFIX',
  /** Comma-separated buckets a task file may name as AWS_SRC_BUCKET (may be empty: then none). */
  sourceBuckets: 'IIIF_BATCH_SOURCE_BUCKETS',
  /** Comma-separated buckets a task file may name as AWS_DEST_BUCKET (at least one). */
  destinationBuckets: 'IIIF_BATCH_DESTINATION_BUCKETS',
  /** Default Batch job queue (name or ARN). */
  jobQueue: 'IIIF_BATCH_JOB_QUEUE',
  /** Batch job definition of the shard worker (name, name:revision or ARN). */
  workerJobDefinition: 'IIIF_BATCH_WORKER_JOB_DEFINITION',
  /** Batch job definition of the manifest assembler. */
  assemblerJobDefinition: 'IIIF_BATCH_ASSEMBLER_JOB_DEFINITION',
} as const;

/** The container entry points, relative to the package root (compiled by `npm run build`). */
export const ENTRY_POINTS = {
  shardWorker: 'dist/src/shard-worker/main.js',
  assembler: 'dist/src/manifest-assembler/main.js',
  cli: 'dist/src/cli/main.js',
} as const;

/**
 * Settings of the AWS SDK clients that the SDK does not read by itself. (Region, credentials,
 * `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_MAX_ATTEMPTS` are read by the SDK.)
 */
export interface AwsClientConfig {
  /** `S3_FORCE_PATH_STYLE=true`: `http://host/bucket/key` addressing, for MinIO, Ceph and emulators. */
  readonly s3ForcePathStyle: boolean;
}

export function readAwsClientConfig(env: Env = processEnv()): AwsClientConfig {
  return { s3ForcePathStyle: booleanVar(env, 'S3_FORCE_PATH_STYLE', false) };
}

/**
 * Optional environment of the submitter Lambda (defaults apply when unset; the stack may set them).
 */
export const SUBMITTER_OPTIONAL_ENV = {
  /** Timeout of one shard-worker attempt in seconds (default: 4 × SHARD_TARGET_MINUTES, at least 1 hour). */
  workerTimeoutSeconds: 'IIIF_BATCH_WORKER_TIMEOUT_SECONDS',
  /** Timeout of one assembler attempt in seconds (default 3600). */
  assemblerTimeoutSeconds: 'IIIF_BATCH_ASSEMBLER_TIMEOUT_SECONDS',
  /** Attempts per Batch job, including the first (default 3, 1–10). */
  jobAttempts: 'IIIF_BATCH_JOB_ATTEMPTS',
} as const;

/** What the submitter Lambda needs: where run records go, what tasks may touch, how to submit. */
export interface SubmitterConfig {
  readonly state: StateLocation;
  /** Buckets a task file may name as AWS_SRC_BUCKET. */
  readonly sourceBuckets: readonly string[];
  /** Buckets a task file may name as AWS_DEST_BUCKET. */
  readonly destinationBuckets: readonly string[];
  readonly batch: BatchSubmitConfig;
}

/** How shard and assembler jobs are submitted to AWS Batch. */
export interface BatchSubmitConfig {
  /** The job queue (name or ARN) of every job; a task file's `jobQueue` is recorded, not used. */
  readonly jobQueue: string;
  readonly workerJobDefinition: string;
  readonly assemblerJobDefinition: string;
  /** `undefined`: derived from the task's SHARD_TARGET_MINUTES. */
  readonly workerTimeoutSeconds: number | undefined;
  readonly assemblerTimeoutSeconds: number;
  readonly attempts: number;
}

/** Timeouts and attempts of submitted jobs: shared by the submitter and the CLI. */
function readBatchJobLimits(env: Env) {
  const workerTimeout = optionalVar(env, SUBMITTER_OPTIONAL_ENV.workerTimeoutSeconds);
  return {
    workerTimeoutSeconds:
      workerTimeout === undefined
        ? undefined
        : integerVar(env, SUBMITTER_OPTIONAL_ENV.workerTimeoutSeconds, 0, 60, 1_209_600),
    assemblerTimeoutSeconds: integerVar(env, SUBMITTER_OPTIONAL_ENV.assemblerTimeoutSeconds, 3600, 60, 1_209_600),
    attempts: integerVar(env, SUBMITTER_OPTIONAL_ENV.jobAttempts, 3, 1, 10),
  };
}

export function readSubmitterConfig(env: Env = processEnv()): SubmitterConfig {
  const destinationBuckets = listVar(env, SUBMITTER_ENV.destinationBuckets);
  if (destinationBuckets.length === 0) {
    throw new ConfigError(
      `Expected a comma-separated list of bucket names for ${SUBMITTER_ENV.destinationBuckets} but received nothing`,
      SUBMITTER_ENV.destinationBuckets,
    );
  }
  return {
    state: {
      bucket: requiredVar(env, SUBMITTER_ENV.stateBucket),
      prefix: (optionalVar(env, SUBMITTER_ENV.statePrefix) ?? '').replace(/^\/+|\/+$/g, ''),
    },
    sourceBuckets: listVar(env, SUBMITTER_ENV.sourceBuckets),
    destinationBuckets,
    batch: {
      jobQueue: requiredVar(env, SUBMITTER_ENV.jobQueue),
      workerJobDefinition: requiredVar(env, SUBMITTER_ENV.workerJobDefinition),
      assemblerJobDefinition: requiredVar(env, SUBMITTER_ENV.assemblerJobDefinition),
      ...readBatchJobLimits(env),
    },
  };
}

/** What the real-browser tests need: where Chromium is, and whether its absence is a failure. */
export interface BrowserTestConfig {
  /** `CHROMIUM_PATH`, default `/usr/bin/chromium` (Debian's `chromium` package). */
  readonly chromiumPath: string;
  /** `CI=true`: a missing browser fails the tests instead of skipping them. */
  readonly requireBrowser: boolean;
}

export function readBrowserTestConfig(env: Env = processEnv()): BrowserTestConfig {
  return {
    chromiumPath: optionalVar(env, 'CHROMIUM_PATH') ?? '/usr/bin/chromium',
    requireBrowser: optionalVar(env, 'CI') === 'true',
  };
}

/** Environment of the operator CLI's cloud commands (flags take precedence over these). */
export const CLI_ENV = {
  /**
   * Key prefix of task files in the task bucket: the stack's `tasks.prefix` (its notification fires
   * only for keys under it). Default `tasks/`.
   */
  taskPrefix: 'IIIF_BATCH_TASK_PREFIX',
  /** Bucket that triggers the pipeline: task files go under `tasks/` (default: the state bucket). */
  taskBucket: 'IIIF_BATCH_TASK_BUCKET',
  /** The SQS queue fed by the task bucket's notifications (`dlq --redrive` moves messages back to it). */
  queueUrl: 'IIIF_BATCH_QUEUE_URL',
  /** The dead-letter queue of that queue. */
  dlqUrl: 'IIIF_BATCH_DLQ_URL',
} as const;

/** Where task files go in the task bucket unless configured (the stack's default `tasks.prefix`). */
export const DEFAULT_TASK_PREFIX = 'tasks/';

/** Cloud settings given as CLI flags; each overrides its environment variable. */
export interface CliCloudFlags {
  readonly bucket?: string | undefined;
  readonly taskPrefix?: string | undefined;
  readonly stateBucket?: string | undefined;
  readonly statePrefix?: string | undefined;
  readonly queueUrl?: string | undefined;
  readonly dlqUrl?: string | undefined;
  readonly jobQueue?: string | undefined;
  readonly workerJobDefinition?: string | undefined;
  readonly assemblerJobDefinition?: string | undefined;
  readonly region?: string | undefined;
  readonly endpointUrl?: string | undefined;
}

/**
 * What the operator CLI's cloud commands may need. Every value is optional here: each command
 * asks for the ones it uses and names the flag and variable when one is missing.
 */
export interface CliCloudConfig {
  /** `--bucket`, `IIIF_BATCH_TASK_BUCKET`, else the state bucket. */
  readonly taskBucket: string | undefined;
  /** `--task-prefix`, `IIIF_BATCH_TASK_PREFIX`, else `tasks/`: where `submit` puts task files. */
  readonly taskPrefix: string;
  /** `--state-bucket`/`IIIF_BATCH_STATE_BUCKET` (else the task bucket) and `IIIF_BATCH_STATE_PREFIX`. */
  readonly state: StateLocation | undefined;
  readonly queueUrl: string | undefined;
  readonly dlqUrl: string | undefined;
  /** Batch submission settings; queue and definitions may be missing (then taken from the run's earlier jobs). */
  readonly batch: Omit<BatchSubmitConfig, 'jobQueue' | 'workerJobDefinition' | 'assemblerJobDefinition'> & {
    readonly jobQueue: string | undefined;
    readonly workerJobDefinition: string | undefined;
    readonly assemblerJobDefinition: string | undefined;
  };
  /** `--region` (otherwise the SDK reads `AWS_REGION` and the shared config itself). */
  readonly region: string | undefined;
  /** `--endpoint-url` for every AWS client (otherwise the SDK reads `AWS_ENDPOINT_URL[_<SERVICE>]`). */
  readonly endpointUrl: string | undefined;
  /**
   * The SQS endpoint when one is configured (`--endpoint-url`, `AWS_ENDPOINT_URL_SQS`,
   * `AWS_ENDPOINT_URL`): the SQS client must then be given it explicitly, or it sends requests to
   * the host in the queue URL instead.
   */
  readonly sqsEndpointUrl: string | undefined;
  readonly aws: AwsClientConfig;
}

export function readCliCloudConfig(flags: CliCloudFlags = {}, env: Env = processEnv()): CliCloudConfig {
  const pick = (flag: string | undefined, name: string): string | undefined => {
    const value = flag?.trim();
    return value === undefined || value === '' ? optionalVar(env, name) : value;
  };
  const url = (value: string | undefined, flag: string, name: string): string | undefined => {
    if (value === undefined) return undefined;
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new ConfigError(`Expected an absolute http(s) URL for ${flag} (${name}) but received "${value}"`, name);
    }
    return value;
  };
  const stateBucketSetting = pick(flags.stateBucket, SUBMITTER_ENV.stateBucket);
  const taskBucket = pick(flags.bucket, CLI_ENV.taskBucket) ?? stateBucketSetting;
  const stateBucket = stateBucketSetting ?? taskBucket;
  const taskPrefix = pick(flags.taskPrefix, CLI_ENV.taskPrefix) ?? DEFAULT_TASK_PREFIX;
  if (taskPrefix.startsWith('/') || taskPrefix.split('/').some((part) => part === '.' || part === '..')) {
    throw new ConfigError(
      `Expected a key prefix without a leading / or . and .. segments for --task-prefix (${CLI_ENV.taskPrefix}) but received "${taskPrefix}"`,
      CLI_ENV.taskPrefix,
    );
  }
  return {
    taskBucket,
    taskPrefix,
    state:
      stateBucket === undefined
        ? undefined
        : {
            bucket: stateBucket,
            prefix: (pick(flags.statePrefix, SUBMITTER_ENV.statePrefix) ?? '').replace(/^\/+|\/+$/g, ''),
          },
    queueUrl: url(pick(flags.queueUrl, CLI_ENV.queueUrl), '--queue-url', CLI_ENV.queueUrl),
    dlqUrl: url(pick(flags.dlqUrl, CLI_ENV.dlqUrl), '--dlq-url', CLI_ENV.dlqUrl),
    batch: {
      jobQueue: pick(flags.jobQueue, SUBMITTER_ENV.jobQueue),
      workerJobDefinition: pick(flags.workerJobDefinition, SUBMITTER_ENV.workerJobDefinition),
      assemblerJobDefinition: pick(flags.assemblerJobDefinition, SUBMITTER_ENV.assemblerJobDefinition),
      ...readBatchJobLimits(env),
    },
    region: flags.region?.trim() || undefined,
    endpointUrl: url(flags.endpointUrl?.trim() || undefined, '--endpoint-url', 'AWS_ENDPOINT_URL'),
    sqsEndpointUrl:
      flags.endpointUrl?.trim() ||
      url(optionalVar(env, 'AWS_ENDPOINT_URL_SQS'), 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_SQS') ||
      url(optionalVar(env, 'AWS_ENDPOINT_URL'), 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL'),
    aws: readAwsClientConfig(env),
  };
}
