import * as z from 'zod';
import { DEFAULT_TASK_PREFIX } from '../src/config.js';
import { InvalidInputError } from '../src/errors.js';
import { describe, dottedPath, expectedMessage, parseInput } from '../src/validation/parse-input.js';
import {
  bucketName,
  flag,
  integer,
  isHttpUrl,
  isKeyPrefix,
  jobAttempts,
  keyPrefix,
  list,
  oneOf,
  text,
  uploadConcurrency,
} from '../src/validation/rules.js';

/** How AWS Batch gets its capacity. */
export const COMPUTE_TYPES = ['FARGATE_SPOT', 'FARGATE', 'EC2_SPOT', 'EC2_ON_DEMAND'] as const;
export type ComputeType = (typeof COMPUTE_TYPES)[number];

/** CPU architecture of the container image and of the hosts that run it. */
export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export const CDN_PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Fargate's vCPU sizes. */
export const FARGATE_VCPUS = [0.25, 0.5, 1, 2, 4, 8, 16] as const;

/** Job definition timeout of the worker when no `worker.timeoutMinutes` is set. */
export const DEFAULT_WORKER_JOB_DEFINITION_TIMEOUT_MINUTES = 240;

/** An object of settings; absent, all its defaults apply. */
function section<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, { error: 'an object' }).prefault({} as z.input<z.ZodObject<T>>);
}

const origin = text(
  '"*" or an origin such as https://viewer.example.org',
  (value) => value === '*' || isBaseUrl(value),
);
const isBaseUrl = (value: string): boolean => isHttpUrl(value) && !value.endsWith('/');

/** Per job: vCPUs (Fargate: 0.25, 0.5, 1, 2, 4, 8 or 16; EC2: a whole number) and memory in MiB (Fargate: a size valid for the vCPUs). */
const jobSize = {
  vcpus: z.number({ error: 'a number of vCPUs' }).optional(),
  memoryMiB: integer(512, 1_572_864).optional(),
};

/**
 * Everything a deployment can change, each with its rule and default. The same shape is accepted
 * as JSON from a config file or CDK context (see `cdk/read-app-config.ts`).
 */
const SETTINGS = z
  .strictObject(
    {
      /**
       * Existing buckets that hold the masters (task files name them as `AWS_SRC_BUCKET`). The jobs and
       * the submitter get read-only access to them. @default [] (nothing can be read until one is named)
       */
      sourceBuckets: list(bucketName, 'an S3 bucket name').default([]),
      destination: section({
        /** An existing bucket to publish to (`AWS_DEST_BUCKET`). @default - a new, retained bucket */
        bucketName: bucketName.optional(),
        /**
         * The public base URL when something other than this stack's CloudFront serves the destination
         * (only for the `DestinationUrl` output). @default - the distribution's URL, else the bucket's S3 URL
         */
        publicUrl: text('an absolute http(s) URL without a trailing /', isBaseUrl).optional(),
      }),
      cdn: section({
        /** Serve the destination through CloudFront (origin access control, CORS for IIIF viewers). @default true */
        enabled: flag.default(true),
        /** Origins allowed by CORS (`Access-Control-Allow-Origin`). @default ["*"] (any viewer may embed) */
        allowedOrigins: list(origin, '"*" or an origin such as https://viewer.example.org').default(['*']),
        /** CloudFront price class. @default "PriceClass_100" */
        priceClass: oneOf(CDN_PRICE_CLASSES).default('PriceClass_100'),
        /** Alternate domain names (CNAMEs); require `certificateArn`. @default [] */
        domainNames: list(
          text('a domain name', (value) => /^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i.test(value)),
          'a domain name',
        ).default([]),
        /** ACM certificate in us-east-1 for `domainNames`. @default - the *.cloudfront.net certificate */
        certificateArn: text('an ACM certificate ARN in us-east-1', (value) =>
          /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(value),
        ).optional(),
      }),
      tasks: section({
        /** Only task files under this key prefix in the task bucket start a run. @default "tasks/" */
        prefix: keyPrefix.default(DEFAULT_TASK_PREFIX),
        /** Only keys ending with this suffix start a run. @default ".json" */
        suffix: text('a key suffix', (value) => value.length <= 1024).default('.json'),
        /** Receives of a task message before it moves to the dead-letter queue (3–100). @default 5 */
        maxReceiveCount: integer(3, 100).default(5),
        /**
         * Key prefix of the run records in the task bucket (`{statePrefix}/runs/{runId}/...`); must not
         * lie under `prefix`, or reports would trigger the pipeline. @default "" (`runs/`, `published/`)
         */
        statePrefix: text('a key prefix without a leading /', (value) => value === '' || isKeyPrefix(value))
          .transform((value) => value.replace(/\/+$/, ''))
          .default(''),
      }),
      submitter: section({
        /**
         * Lambda timeout in seconds (30–900); the queue's visibility timeout is 6 × this. Planning a
         * task file of a million images takes minutes against S3 (README, Performance). @default 900
         */
        timeoutSeconds: integer(30, 900).default(900),
        /**
         * Lambda memory in MiB (256–10240). Lambda gives one full vCPU from 1,769 MiB; planning is
         * CPU-bound (the SDK's cost of each TIFF header read). @default 2048
         */
        memoryMiB: integer(256, 10240).default(2048),
        /** Most concurrent submitter invocations the SQS event source starts (2–1000). @default 5 */
        maxConcurrency: integer(2, 1000).default(5),
        /**
         * Task messages per invocation (1–10): they are planned one after another within one
         * timeout, so one per invocation gives each task file the whole timeout. @default 1
         */
        batchSize: integer(1, 10).default(1),
      }),
      compute: section({
        /** Where jobs run. @default "FARGATE_SPOT" */
        type: oneOf(COMPUTE_TYPES).default('FARGATE_SPOT'),
        /** Most vCPUs running at once across all jobs (1–10000). @default 256 */
        maxvCpus: integer(1, 10_000).default(256),
        /** CPU architecture of image and hosts. @default "x86_64" */
        architecture: oneOf(ARCHITECTURES).default('x86_64'),
        /** EC2 only: instance types (`c6i.2xlarge`) or families (`c6i`). @default - Batch's `optimal` (arm64: c7g, m7g, r7g) */
        instanceTypes: list(
          text('an EC2 instance type such as c6i.2xlarge or a family such as c6i', (value) =>
            /^[a-z][a-z0-9-]*(\.[a-z0-9]+)?$/.test(value),
          ),
          'an EC2 instance type such as c6i.2xlarge or a family such as c6i',
        ).default([]),
        /**
         * Local disk per job in GiB, for masters and tiles before upload. Fargate: 21–200 per job; EC2:
         * the root volume of each instance (30–16384), shared by its jobs. @default 50 (Fargate), 200 (EC2)
         */
        ephemeralStorageGiB: z.number({ error: 'a number of GiB' }).optional(),
      }),
      /** Shard worker job: one array child tiles one shard. @default 2 vCPU, 4096 MiB */
      worker: section({
        ...jobSize,
        /** Attempt timeout in minutes. @default - derived by the submitter from SHARD_TARGET_MINUTES (job definition: 240) */
        timeoutMinutes: integer(1, 20_160).optional(),
        /** Uploads a worker keeps in flight (1–256). @default 16 */
        uploadConcurrency: uploadConcurrency.default(16),
      }),
      /** Manifest assembler job: one per run. @default 1 vCPU, 2048 MiB, 60 minutes */
      assembler: section({ ...jobSize, timeoutMinutes: integer(1, 20_160).default(60) }),
      /**
       * The network of the jobs: a VPC created by the stack (`maxAzs`, `natGateways`), or an existing
       * one (`vpcId`, `availabilityZones`, `subnetIds`, `publicSubnets`).
       */
      network: section({
        /** Availability zones of a created VPC (1–3; 2 when the stack is not bound to a region). @default 2 */
        maxAzs: integer(1, 3).optional(),
        /** NAT gateways of a created VPC. 0: jobs in public subnets, no inbound rule; 1 or more: private subnets. @default 0 */
        natGateways: integer(0, 3).optional(),
        /** An existing VPC's id. @default - a VPC is created */
        vpcId: text('a VPC id (vpc-...)', (value) => /^vpc-[0-9a-f]{8,17}$/.test(value)).optional(),
        /** The existing VPC's availability zones, in the order of `subnetIds`. */
        availabilityZones: list(
          text('an availability zone name such as eu-west-1a', (value) => /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(value)),
          'an availability zone name such as eu-west-1a',
        ).optional(),
        /** Subnets of the existing VPC for the jobs (with a route to S3, ECR and CloudWatch Logs). */
        subnetIds: list(
          text('a subnet id (subnet-...)', (value) => /^subnet-[0-9a-f]{8,17}$/.test(value)),
          'a subnet id (subnet-...)',
        ).optional(),
        /** Whether `subnetIds` are public subnets, so jobs need public IPs. @default false */
        publicSubnets: flag.optional(),
      }),
      /**
       * Where the end of each run is announced: EventBridge events with source "iiif-batch" ("Run
       * finished" from the assembler, "Task rejected" from the submitter).
       */
      notifications: section({
        /** The bus the events go on: `default` (the account's) or an existing custom bus's name. @default "default" */
        eventBusName: text('an EventBridge bus name (letters, digits, . _ -)', (value) =>
          /^[A-Za-z0-9._-]{1,256}$/.test(value),
        ).default('default'),
        /**
         * E-mail addresses notified of every event, through a rule on the bus and an encrypted SNS topic
         * (each address confirms its subscription once). @default [] (no rule, no topic)
         */
        email: list(
          text('an e-mail address', (value) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)),
          'an e-mail address',
        ).default([]),
      }),
      /**
       * Attempts per Batch job including the first (1–10). Spot reclaims and unexpected failures are
       * retried; invalid input (exit 2) is not (failed images are outcomes: workers exit 0). @default 3
       */
      jobAttempts: jobAttempts.default(3),
      /** Days to keep the logs of the submitter, the jobs and the VPC flow log. @default 30 */
      logRetentionDays: oneOf(LOG_RETENTION_DAYS).default(30),
    },
    { error: 'an object' },
  )
  .transform((settings, context) => {
    const problem = (path: (string | number)[], message: string, received: string): void =>
      context.addIssue({ code: 'custom', path, message, params: { received } });
    const check = <T>(path: (string | number)[], rule: z.ZodType<T>, value: unknown): T | undefined => {
      const result = rule.safeParse(value);
      if (!result.success) problem(path, result.error.issues[0]?.message ?? 'a valid value', describe(value));
      return result.data;
    };

    const { compute, tasks, cdn, network } = settings;
    const fargate = compute.type === 'FARGATE_SPOT' || compute.type === 'FARGATE';
    const ephemeralStorageGiB = compute.ephemeralStorageGiB ?? (fargate ? 50 : 200);
    check(['compute', 'ephemeralStorageGiB'], fargate ? integer(21, 200) : integer(30, 16_384), ephemeralStorageGiB);
    if (fargate && compute.instanceTypes.length > 0) {
      problem(['compute', 'instanceTypes'], `no instance types with compute.type ${compute.type}`, 'a list');
    }

    const size = (name: 'worker' | 'assembler', vcpus: number, memoryMiB: number) => {
      const job = settings[name];
      if (!fargate) {
        return {
          vcpus: check([name, 'vcpus'], integer(1, 192), job.vcpus ?? vcpus) ?? vcpus,
          memoryMiB: job.memoryMiB ?? memoryMiB,
        };
      }
      const fargateVcpus = check([name, 'vcpus'], oneOf(FARGATE_VCPUS), job.vcpus ?? vcpus) ?? vcpus;
      const choices = fargateMemoryChoices(fargateVcpus);
      const memory =
        job.memoryMiB ?? Math.min(Math.max(memoryMiB, choices[0] ?? memoryMiB), choices.at(-1) ?? memoryMiB);
      if (!choices.includes(memory)) {
        const step = (choices[1] ?? 0) - (choices[0] ?? 0);
        problem(
          [name, 'memoryMiB'],
          `a Fargate memory size for ${fargateVcpus} vCPU (${choices[0]} to ${choices.at(-1)} in steps of ${step})`,
          String(memory),
        );
      }
      if (fargateVcpus > compute.maxvCpus) {
        problem([name, 'vcpus'], `at most compute.maxvCpus (${compute.maxvCpus}) vCPUs`, String(fargateVcpus));
      }
      return { vcpus: fargateVcpus, memoryMiB: memory };
    };

    for (const folder of ['runs/', 'published/']) {
      const recordKey = tasks.statePrefix === '' ? folder : `${tasks.statePrefix}/${folder}`;
      if (recordKey.startsWith(tasks.prefix) || tasks.prefix.startsWith(recordKey)) {
        problem(
          ['tasks', 'prefix'],
          `a prefix that does not overlap the run records at "${recordKey}" (run reports would start runs)`,
          `"${tasks.prefix}"`,
        );
      }
    }
    if (cdn.domainNames.length > 0 && cdn.certificateArn === undefined) {
      problem(['cdn', 'certificateArn'], 'an ACM certificate ARN in us-east-1 when cdn.domainNames is set', 'none');
    }

    let resolvedNetwork: ResolvedNetwork;
    const { vpcId, maxAzs, natGateways, availabilityZones = [], subnetIds = [], publicSubnets = false } = network;
    if (vpcId === undefined) {
      for (const name of ['availabilityZones', 'subnetIds', 'publicSubnets'] as const) {
        if (network[name] !== undefined) problem(['network', name], 'no value unless network.vpcId is set', 'a value');
      }
      resolvedNetwork = { kind: 'created', maxAzs: maxAzs ?? 2, natGateways: natGateways ?? 0 };
    } else {
      for (const name of ['maxAzs', 'natGateways'] as const) {
        if (network[name] !== undefined) {
          problem(['network', name], 'no value with an existing VPC (network.vpcId)', 'a value');
        }
      }
      if (subnetIds.length === 0) problem(['network', 'subnetIds'], 'at least one subnet id', 'none');
      else if (availabilityZones.length !== subnetIds.length) {
        problem(
          ['network', 'availabilityZones'],
          `one availability zone per subnet (${subnetIds.length})`,
          String(availabilityZones.length),
        );
      }
      resolvedNetwork = { kind: 'existing', vpcId, availabilityZones, subnetIds, publicSubnets };
    }

    return {
      ...settings,
      compute: { ...compute, ephemeralStorageGiB },
      worker: { ...settings.worker, ...size('worker', 2, 4096) },
      assembler: { ...settings.assembler, ...size('assembler', 1, 2048) },
      network: resolvedNetwork,
    };
  });

/** Everything a deployment can change; every field is optional (see the defaults on each rule). */
export type IiifBatchSettings = z.input<typeof SETTINGS>;

/** Settings with every default applied, validated. */
export type ResolvedSettings = z.output<typeof SETTINGS>;

export type ResolvedNetwork =
  | { readonly kind: 'created'; readonly maxAzs: number; readonly natGateways: number }
  | {
      readonly kind: 'existing';
      readonly vpcId: string;
      readonly availabilityZones: readonly string[];
      readonly subnetIds: readonly string[];
      readonly publicSubnets: boolean;
    };

/** Fargate vCPU values and the memory sizes (MiB) each allows. */
export function fargateMemoryChoices(vcpus: number): readonly number[] {
  const range = (from: number, to: number, step: number): number[] =>
    Array.from({ length: (to - from) / step + 1 }, (_, index) => from + index * step);
  switch (vcpus) {
    case 0.25:
      return [512, 1024, 2048];
    case 0.5:
      return range(1024, 4096, 1024);
    case 1:
      return range(2048, 8192, 1024);
    case 2:
      return range(4096, 16384, 1024);
    case 4:
      return range(8192, 30720, 1024);
    case 8:
      return range(16384, 61440, 4096);
    case 16:
      return range(32768, 122880, 8192);
    default:
      return [];
  }
}

/**
 * Validates settings (from stack props, a config file or context) and applies the defaults.
 * Messages name the setting and the file: `Expected integer between 1 and 10000 for
 * compute.maxvCpus but received 0 of type number (cdk/config.json)`.
 * @throws {InvalidInputError} for an unknown setting (with the closest known name), a wrong type or
 * a value out of range
 */
export function resolveSettings(input: unknown, origin = 'stack settings'): ResolvedSettings {
  return parseInput(SETTINGS, input ?? {}, (problem) => settingsError(problem, origin));
}

/** `Expected … for compute.maxvCpus but received … (origin)`, or `Unknown setting … (did you mean …?) (origin)`. */
export function settingsError(problem: Parameters<typeof expectedMessage>[0], origin: string): InvalidInputError {
  const field = problem.path.length === 0 ? undefined : dottedPath(problem.path);
  if (problem.unknown === undefined) {
    return new InvalidInputError(`${expectedMessage(problem, field ?? 'the settings')} (${origin})`, {
      source: origin,
      field,
    });
  }
  const { suggestion, known } = problem.unknown;
  const hint =
    suggestion === undefined
      ? `known settings: ${known.join(', ')}`
      : `did you mean ${dottedPath([...problem.path.slice(0, -1), suggestion])}?`;
  return new InvalidInputError(`Unknown setting ${field} (${hint}) (${origin})`, { source: origin, field });
}
