import { cpus } from 'node:os';
import * as z from 'zod';
import { ConfigError } from './errors.js';
import { DEFAULT_LEASE_SECONDS } from './lease/lease-records.js';
import { LOCAL_STATE_BUCKET, type StateLocation } from './run/run-records.js';
import { expectedMessage, parseInput } from './validation/parse-input.js';
import {
  asBoolean,
  asNumber,
  bucketName,
  flag,
  fromText,
  httpUrl,
  integer,
  jobAttempts,
  keyPath,
  keyPrefix,
  oneOf,
  uploadConcurrency,
} from './validation/rules.js';

/**
 * The only module that reads `process.env`, and only in `processEnv()`: entry points call it once
 * and give the result to the `read*Config` functions (which take the environment as a parameter,
 * never a default), then pass typed values inward; every other module receives what it needs as
 * arguments.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** The process environment (for entry points and for passing on to child processes). */
export function processEnv(): Env {
  return process.env;
}

/**
 * Reads the variables `shape` names from `env` (trimmed; empty means unset) and checks each with its
 * rule. Messages name the variable: `Missing environment variable IIIF_BATCH_RUN_ID`, `Expected
 * integer between 1 and 10 for IIIF_BATCH_JOB_ATTEMPTS but received "11"`.
 * @throws ConfigError
 */
function readEnv<T extends z.ZodRawShape>(
  env: Env,
  shape: T,
  label = (name: string) => name,
): z.output<z.ZodObject<T>> {
  const values = Object.fromEntries(Object.keys(shape).map((name) => [name, env[name]?.trim() || undefined]));
  return parseInput(z.object(shape), values, (problem) => {
    const name = String(problem.path[0]);
    const message = problem.missing ? `Missing environment variable ${name}` : expectedMessage(problem, label(name));
    return new ConfigError(message, name);
  });
}

/** A comma-separated list, each entry passing `rule` (spaces and empty entries ignored). */
function commaList(rule: z.ZodType<string>, expected: string) {
  return z
    .string()
    .default('')
    .transform((value, context) => {
      const entries = value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
      for (const entry of entries) {
        if (!rule.safeParse(entry).success) {
          context.addIssue({ code: 'custom', message: expected, params: { received: `"${entry}"` } });
        }
      }
      return entries;
    });
}

const integerVar = (min: number, max: number) => fromText(integer(min, max), asNumber);
const booleanVar = fromText(flag, asBoolean);

/** How logs are written: JSON lines (cloud, child processes) or readable text (a terminal). */
export interface LogConfig {
  readonly format: 'json' | 'pretty';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
}

export function readLogConfig(env: Env, isTty = Boolean(process.stderr.isTTY)): LogConfig {
  const { LOG_FORMAT, LOG_LEVEL } = readEnv(env, {
    LOG_FORMAT: oneOf(['json', 'pretty'], 'json or pretty').default(isTty ? 'pretty' : 'json'),
    LOG_LEVEL: fromText(oneOf(['debug', 'info', 'warn', 'error'], 'debug, info, warn or error'), (value) =>
      value.toLowerCase(),
    ).default('info'),
  });
  return { format: LOG_FORMAT, level: LOG_LEVEL };
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

export function readEventBus(env: Env): string | undefined {
  return readEnv(env, { [EVENT_BUS_ENV]: z.string().optional() })[EVENT_BUS_ENV];
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

export function readJobConfig(env: Env): JobConfig {
  const values = readEnv(env, {
    [JOB_ENV.runId]: z.string(),
    [JOB_ENV.localRoot]: z.string().optional(),
    [JOB_ENV.stateBucket]: z.string().optional(),
    [JOB_ENV.statePrefix]: z.string().default(''),
    [JOB_ENV.attempt]: integerVar(1, 1_000_000).default(1),
  });
  const localRoot = values[JOB_ENV.localRoot];
  const bucket = values[JOB_ENV.stateBucket] ?? (localRoot === undefined ? undefined : LOCAL_STATE_BUCKET);
  if (bucket === undefined)
    throw new ConfigError(`Missing environment variable ${JOB_ENV.stateBucket}`, JOB_ENV.stateBucket);
  return {
    runId: values[JOB_ENV.runId],
    state: { bucket, prefix: values[JOB_ENV.statePrefix] },
    attempt: values[JOB_ENV.attempt],
    localRoot,
  };
}

export interface WorkerConfig extends JobConfig {
  /** Child index in the array job (0 for a plain, one-shard job). */
  readonly childIndex: number;
  readonly uploadConcurrency: number;
}

export function readWorkerConfig(env: Env): WorkerConfig {
  const values = readEnv(env, {
    [JOB_ENV.arrayIndex]: integerVar(0, 9_999).default(0),
    [JOB_ENV.uploadConcurrency]: fromText(uploadConcurrency, asNumber).default(16),
  });
  return {
    ...readJobConfig(env),
    childIndex: values[JOB_ENV.arrayIndex],
    uploadConcurrency: values[JOB_ENV.uploadConcurrency],
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

export function readTilerConfig(env: Env): TilerConfig {
  return { threads: readEnv(env, { VIPS_CONCURRENCY: integerVar(1, 1024).optional() }).VIPS_CONCURRENCY };
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

export function readAwsClientConfig(env: Env): AwsClientConfig {
  return { s3ForcePathStyle: readEnv(env, { S3_FORCE_PATH_STYLE: booleanVar.default(false) }).S3_FORCE_PATH_STYLE };
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

/**
 * `IIIF_BATCH_LEASE_MINUTES` (1–1440, default 30): how long a collection's lease stays live without
 * a sign of life from its run (the jobs renew it every sixth of that, at most every 5 minutes).
 * Read by every step that takes a lease for a run: the submitter, and `run`, `submit`, `resubmit`
 * and `assemble` on this machine.
 */
export const LEASE_ENV = 'IIIF_BATCH_LEASE_MINUTES';

/** The lease's time to live in seconds, from `IIIF_BATCH_LEASE_MINUTES`. */
export function readLeaseSeconds(env: Env): number {
  return readEnv(env, { [LEASE_ENV]: integerVar(1, 1440).default(DEFAULT_LEASE_SECONDS / 60) })[LEASE_ENV] * 60;
}

/** What the submitter Lambda needs: where run records go, what tasks may touch, how to submit. */
export interface SubmitterConfig {
  readonly state: StateLocation;
  /** How long a collection's lease stays live without a sign of life (`IIIF_BATCH_LEASE_MINUTES`). */
  readonly leaseSeconds: number;
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
  const values = readEnv(env, {
    [SUBMITTER_OPTIONAL_ENV.workerTimeoutSeconds]: integerVar(60, 1_209_600).optional(),
    [SUBMITTER_OPTIONAL_ENV.assemblerTimeoutSeconds]: integerVar(60, 1_209_600).default(3600),
    [SUBMITTER_OPTIONAL_ENV.jobAttempts]: fromText(jobAttempts, asNumber).default(3),
  });
  return {
    workerTimeoutSeconds: values[SUBMITTER_OPTIONAL_ENV.workerTimeoutSeconds],
    assemblerTimeoutSeconds: values[SUBMITTER_OPTIONAL_ENV.assemblerTimeoutSeconds],
    attempts: values[SUBMITTER_OPTIONAL_ENV.jobAttempts],
  };
}

export function readSubmitterConfig(env: Env): SubmitterConfig {
  const buckets = commaList(bucketName, 'a comma-separated list of bucket names');
  const values = readEnv(env, {
    [SUBMITTER_ENV.stateBucket]: bucketName,
    [SUBMITTER_ENV.statePrefix]: statePrefix,
    [SUBMITTER_ENV.sourceBuckets]: buckets,
    [SUBMITTER_ENV.destinationBuckets]: buckets.refine((names) => names.length > 0, {
      error: 'a comma-separated list of bucket names',
    }),
    [SUBMITTER_ENV.jobQueue]: z.string(),
    [SUBMITTER_ENV.workerJobDefinition]: z.string(),
    [SUBMITTER_ENV.assemblerJobDefinition]: z.string(),
  });
  return {
    state: { bucket: values[SUBMITTER_ENV.stateBucket], prefix: values[SUBMITTER_ENV.statePrefix] },
    leaseSeconds: readLeaseSeconds(env),
    sourceBuckets: values[SUBMITTER_ENV.sourceBuckets],
    destinationBuckets: values[SUBMITTER_ENV.destinationBuckets],
    batch: {
      jobQueue: values[SUBMITTER_ENV.jobQueue],
      workerJobDefinition: values[SUBMITTER_ENV.workerJobDefinition],
      assemblerJobDefinition: values[SUBMITTER_ENV.assemblerJobDefinition],
      ...readBatchJobLimits(env),
    },
  };
}

/** A key prefix of the run records, with or without "/" around it (removed); unset: none. */
const statePrefix = keyPath.optional().transform((value) => value ?? '');

/** What the real-browser tests need: where Chromium is, and whether its absence is a failure. */
export interface BrowserTestConfig {
  /** `CHROMIUM_PATH`, default `/usr/bin/chromium` (Debian's `chromium` package). */
  readonly chromiumPath: string;
  /** `CI=true`: a missing browser fails the tests instead of skipping them. */
  readonly requireBrowser: boolean;
}

export function readBrowserTestConfig(env: Env): BrowserTestConfig {
  const values = readEnv(env, { CHROMIUM_PATH: z.string().default('/usr/bin/chromium'), CI: z.string().optional() });
  return { chromiumPath: values.CHROMIUM_PATH, requireBrowser: values.CI === 'true' };
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

/** The variable each cloud flag replaces, with the flag's name for messages. */
const FLAG_VARIABLES: Readonly<Record<Exclude<keyof CliCloudFlags, 'region'>, readonly [string, string]>> = {
  bucket: [CLI_ENV.taskBucket, '--bucket'],
  taskPrefix: [CLI_ENV.taskPrefix, '--task-prefix'],
  stateBucket: [SUBMITTER_ENV.stateBucket, '--state-bucket'],
  statePrefix: [SUBMITTER_ENV.statePrefix, '--state-prefix'],
  queueUrl: [CLI_ENV.queueUrl, '--queue-url'],
  dlqUrl: [CLI_ENV.dlqUrl, '--dlq-url'],
  jobQueue: [SUBMITTER_ENV.jobQueue, '--job-queue'],
  workerJobDefinition: [SUBMITTER_ENV.workerJobDefinition, '--worker-job-definition'],
  assemblerJobDefinition: [SUBMITTER_ENV.assemblerJobDefinition, '--assembler-job-definition'],
  endpointUrl: ['AWS_ENDPOINT_URL', '--endpoint-url'],
};

export function readCliCloudConfig(flags: CliCloudFlags, env: Env): CliCloudConfig {
  // A flag replaces its variable; messages name both.
  const given = Object.entries(FLAG_VARIABLES).flatMap(([key, [name]]) => {
    const value = flags[key as keyof CliCloudFlags]?.trim();
    return value ? [[name, value]] : [];
  });
  const labels = new Map(Object.values(FLAG_VARIABLES).map(([name, flag]) => [name, `${flag} (${name})`]));
  const values = readEnv(
    { ...env, ...Object.fromEntries(given) },
    {
      [CLI_ENV.taskBucket]: bucketName.optional(),
      [CLI_ENV.taskPrefix]: keyPrefix.default(DEFAULT_TASK_PREFIX),
      [SUBMITTER_ENV.stateBucket]: bucketName.optional(),
      [SUBMITTER_ENV.statePrefix]: statePrefix,
      [CLI_ENV.queueUrl]: httpUrl.optional(),
      [CLI_ENV.dlqUrl]: httpUrl.optional(),
      [SUBMITTER_ENV.jobQueue]: z.string().optional(),
      [SUBMITTER_ENV.workerJobDefinition]: z.string().optional(),
      [SUBMITTER_ENV.assemblerJobDefinition]: z.string().optional(),
      AWS_ENDPOINT_URL_SQS: httpUrl.optional(),
      AWS_ENDPOINT_URL: httpUrl.optional(),
    },
    (name) => labels.get(name) ?? name,
  );
  const endpointUrl = flags.endpointUrl?.trim() ? values.AWS_ENDPOINT_URL : undefined;
  const taskBucket = values[CLI_ENV.taskBucket] ?? values[SUBMITTER_ENV.stateBucket];
  const stateBucket = values[SUBMITTER_ENV.stateBucket] ?? taskBucket;
  return {
    taskBucket,
    taskPrefix: values[CLI_ENV.taskPrefix],
    state: stateBucket === undefined ? undefined : { bucket: stateBucket, prefix: values[SUBMITTER_ENV.statePrefix] },
    queueUrl: values[CLI_ENV.queueUrl],
    dlqUrl: values[CLI_ENV.dlqUrl],
    batch: {
      jobQueue: values[SUBMITTER_ENV.jobQueue],
      workerJobDefinition: values[SUBMITTER_ENV.workerJobDefinition],
      assemblerJobDefinition: values[SUBMITTER_ENV.assemblerJobDefinition],
      ...readBatchJobLimits(env),
    },
    region: flags.region?.trim() || undefined,
    endpointUrl,
    sqsEndpointUrl: endpointUrl ?? values.AWS_ENDPOINT_URL_SQS ?? values.AWS_ENDPOINT_URL,
    aws: readAwsClientConfig(env),
  };
}
