import { InvalidInputError } from '../src/errors.js';
import { closestName } from '../src/task/closest-name.js';

/** How AWS Batch gets its capacity. */
export type ComputeType = 'FARGATE_SPOT' | 'FARGATE' | 'EC2_SPOT' | 'EC2_ON_DEMAND';
export const COMPUTE_TYPES: readonly ComputeType[] = ['FARGATE_SPOT', 'FARGATE', 'EC2_SPOT', 'EC2_ON_DEMAND'];

/** CPU architecture of the container image and of the hosts that run it. */
export type Architecture = 'x86_64' | 'arm64';
export const ARCHITECTURES: readonly Architecture[] = ['x86_64', 'arm64'];

export type CdnPriceClass = 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All';
export const CDN_PRICE_CLASSES: readonly CdnPriceClass[] = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'];

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * Everything a deployment can change. Every field is optional; the defaults below apply. The same
 * shape is accepted as JSON from a config file or CDK context (see `cdk/read-app-config.ts`).
 */
export interface IiifBatchSettings {
  /**
   * Existing buckets that hold the masters (task files name them as `AWS_SRC_BUCKET`). The jobs and
   * the submitter get read-only access to them.
   * @default [] (nothing can be read until at least one is named)
   */
  readonly sourceBuckets?: readonly string[];
  readonly destination?: DestinationSettings;
  readonly cdn?: CdnSettings;
  readonly tasks?: TaskSettings;
  readonly submitter?: SubmitterSettings;
  readonly compute?: ComputeSettings;
  /** Shard worker job: one array child tiles one shard. @default 2 vCPU, 4096 MiB */
  readonly worker?: WorkerJobSettings;
  /** Manifest assembler job: one per run. @default 1 vCPU, 2048 MiB, 60 minutes */
  readonly assembler?: JobSettings;
  readonly network?: NetworkSettings;
  /**
   * Attempts per Batch job including the first (1–10). Spot reclaims and unexpected failures are
   * retried; invalid input (exit 2) is not (failed images are outcomes: the worker exits 0).
   * @default 3
   */
  readonly jobAttempts?: number;
  /** Days to keep the logs of the submitter, the jobs and the VPC flow log. @default 30 */
  readonly logRetentionDays?: number;
}

export interface DestinationSettings {
  /**
   * An existing bucket to publish to (task files name it as `AWS_DEST_BUCKET`).
   * @default - a new bucket is created (retained when the stack is deleted)
   */
  readonly bucketName?: string;
  /**
   * The public base URL of the destination when it is served by something other than this stack's
   * CloudFront distribution (only used for the `DestinationUrl` output).
   * @default - the distribution's URL; without a distribution, the bucket's S3 URL
   */
  readonly publicUrl?: string;
}

export interface CdnSettings {
  /** Serve the destination through CloudFront (origin access control, CORS for IIIF viewers). @default true */
  readonly enabled?: boolean;
  /** Origins allowed by CORS (`Access-Control-Allow-Origin`). @default ["*"] (any viewer may embed) */
  readonly allowedOrigins?: readonly string[];
  /** CloudFront price class. @default "PriceClass_100" */
  readonly priceClass?: CdnPriceClass;
  /** Alternate domain names (CNAMEs); require `certificateArn`. @default [] */
  readonly domainNames?: readonly string[];
  /** ACM certificate in us-east-1 for `domainNames`. @default - the *.cloudfront.net certificate */
  readonly certificateArn?: string;
}

export interface TaskSettings {
  /** Only task files under this key prefix in the task bucket start a run. @default "tasks/" */
  readonly prefix?: string;
  /** Only keys ending with this suffix start a run. @default ".json" */
  readonly suffix?: string;
  /** Receives of a task message before it moves to the dead-letter queue (3–100). @default 5 */
  readonly maxReceiveCount?: number;
  /**
   * Key prefix of the run records in the task bucket (`{statePrefix}/runs/{runId}/...`). Must not
   * lie under `prefix`, or reports would trigger the pipeline.
   * @default "" (records under `runs/` and `published/`)
   */
  readonly statePrefix?: string;
}

export interface SubmitterSettings {
  /** Lambda timeout in seconds (30–900); the queue's visibility timeout is 6 × this. @default 300 */
  readonly timeoutSeconds?: number;
  /** Lambda memory in MiB (256–10240). @default 1024 */
  readonly memoryMiB?: number;
  /** Most concurrent submitter invocations the SQS event source starts (2–1000). @default 5 */
  readonly maxConcurrency?: number;
  /** Task messages per invocation (1–10). @default 5 */
  readonly batchSize?: number;
}

export interface ComputeSettings {
  /** Where jobs run. @default "FARGATE_SPOT" */
  readonly type?: ComputeType;
  /** Most vCPUs running at once across all jobs (1–10000). @default 256 */
  readonly maxvCpus?: number;
  /** CPU architecture of image and hosts. @default "x86_64" */
  readonly architecture?: Architecture;
  /**
   * EC2 only: instance types (`c6i.2xlarge`) or families (`c6i`).
   * @default - x86_64: Batch's `optimal` choice; arm64: the c7g, m7g and r7g families
   */
  readonly instanceTypes?: readonly string[];
  /**
   * Local disk per job in GiB, for masters and tiles before upload. Fargate: 21–200 per job;
   * EC2: the root volume of each instance (30–16384), shared by the jobs on it.
   * @default 50 (Fargate), 200 (EC2)
   */
  readonly ephemeralStorageGiB?: number;
}

export interface JobSettings {
  /** vCPUs per job (Fargate: 0.25, 0.5, 1, 2, 4, 8 or 16; EC2: a whole number). */
  readonly vcpus?: number;
  /** Memory per job in MiB (Fargate: a size valid for the vCPUs). */
  readonly memoryMiB?: number;
  /**
   * Attempt timeout in minutes.
   * @default worker: derived by the submitter from the task's SHARD_TARGET_MINUTES (job definition:
   * 240); assembler: 60
   */
  readonly timeoutMinutes?: number;
}

export interface WorkerJobSettings extends JobSettings {
  /** Uploads a worker keeps in flight (1–256). @default 16 */
  readonly uploadConcurrency?: number;
}

/**
 * The network of the jobs: a VPC created by the stack (`maxAzs`, `natGateways`), or an existing
 * one (`vpcId`, `availabilityZones`, `subnetIds`).
 */
export interface NetworkSettings {
  /** Availability zones of a created VPC (1–3; 2 when the stack is not bound to a region). @default 2 */
  readonly maxAzs?: number;
  /**
   * NAT gateways of a created VPC. 0: jobs run in public subnets with public IPs and no inbound
   * rule (cheapest); 1 or more: jobs run in private subnets.
   * @default 0
   */
  readonly natGateways?: number;
  /** An existing VPC's id. @default - a VPC is created */
  readonly vpcId?: string;
  /** The existing VPC's availability zones, in the order of `subnetIds`. */
  readonly availabilityZones?: readonly string[];
  /** Subnets of the existing VPC for the jobs (with a route to S3, ECR and CloudWatch Logs). */
  readonly subnetIds?: readonly string[];
  /** Whether `subnetIds` are public subnets, so jobs need public IPs. @default false */
  readonly publicSubnets?: boolean;
}

/** Settings with every default applied, validated. */
export interface ResolvedSettings {
  readonly sourceBuckets: readonly string[];
  readonly destination: { readonly bucketName: string | undefined; readonly publicUrl: string | undefined };
  readonly cdn: {
    readonly enabled: boolean;
    readonly allowedOrigins: readonly string[];
    readonly priceClass: CdnPriceClass;
    readonly domainNames: readonly string[];
    readonly certificateArn: string | undefined;
  };
  readonly tasks: {
    readonly prefix: string;
    readonly suffix: string;
    readonly maxReceiveCount: number;
    readonly statePrefix: string;
  };
  readonly submitter: {
    readonly timeoutSeconds: number;
    readonly memoryMiB: number;
    readonly maxConcurrency: number;
    readonly batchSize: number;
  };
  readonly compute: {
    readonly type: ComputeType;
    readonly maxvCpus: number;
    readonly architecture: Architecture;
    readonly instanceTypes: readonly string[];
    readonly ephemeralStorageGiB: number;
  };
  readonly worker: {
    readonly vcpus: number;
    readonly memoryMiB: number;
    readonly timeoutMinutes: number | undefined;
    readonly uploadConcurrency: number;
  };
  readonly assembler: { readonly vcpus: number; readonly memoryMiB: number; readonly timeoutMinutes: number };
  readonly network: ResolvedNetwork;
  readonly jobAttempts: number;
  readonly logRetentionDays: number;
}

export type ResolvedNetwork =
  | { readonly kind: 'created'; readonly maxAzs: number; readonly natGateways: number }
  | {
      readonly kind: 'existing';
      readonly vpcId: string;
      readonly availabilityZones: readonly string[];
      readonly subnetIds: readonly string[];
      readonly publicSubnets: boolean;
    };

/** Job definition timeout of the worker when no `worker.timeoutMinutes` is set. */
export const DEFAULT_WORKER_JOB_DEFINITION_TIMEOUT_MINUTES = 240;

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
export const FARGATE_VCPUS = [0.25, 0.5, 1, 2, 4, 8, 16] as const;

/**
 * Validates settings (from stack props, a config file or context) and applies the defaults.
 * Messages name the setting and the file: `Expected integer between 1 and 10000 for
 * compute.maxvCpus but received 0 (cdk/config.json)`.
 * @throws {InvalidInputError} for an unknown setting (with the closest known name), a wrong type or
 * a value out of range
 */
export function resolveSettings(input: unknown, origin = 'stack settings'): ResolvedSettings {
  const root = new Reader(input ?? {}, '', origin);
  root.allowOnly([
    'sourceBuckets',
    'destination',
    'cdn',
    'tasks',
    'submitter',
    'compute',
    'worker',
    'assembler',
    'network',
    'jobAttempts',
    'logRetentionDays',
  ]);

  const sourceBuckets = root.stringList('sourceBuckets', [], isBucketName, 'an S3 bucket name');
  const destinationReader = root.child('destination');
  destinationReader.allowOnly(['bucketName', 'publicUrl']);
  const destination = {
    bucketName: destinationReader.optionalString('bucketName', isBucketName, 'an S3 bucket name'),
    publicUrl: destinationReader.optionalString('publicUrl', isHttpUrl, 'an absolute http(s) URL without a trailing /'),
  };

  const cdnReader = root.child('cdn');
  cdnReader.allowOnly(['enabled', 'allowedOrigins', 'priceClass', 'domainNames', 'certificateArn']);
  const cdn = {
    enabled: cdnReader.boolean('enabled', true),
    allowedOrigins: cdnReader.stringList(
      'allowedOrigins',
      ['*'],
      (value) => value === '*' || isHttpUrl(value),
      '"*" or an origin such as https://viewer.example.org',
    ),
    priceClass: cdnReader.oneOf('priceClass', CDN_PRICE_CLASSES, 'PriceClass_100'),
    domainNames: cdnReader.stringList(
      'domainNames',
      [],
      (value) => /^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i.test(value),
      'a domain name',
    ),
    certificateArn: cdnReader.optionalString(
      'certificateArn',
      (value) => /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(value),
      'an ACM certificate ARN in us-east-1',
    ),
  };
  if (cdn.domainNames.length > 0 && cdn.certificateArn === undefined) {
    throw cdnReader.error('certificateArn', 'an ACM certificate ARN in us-east-1 when cdn.domainNames is set', 'none');
  }

  const tasksReader = root.child('tasks');
  tasksReader.allowOnly(['prefix', 'suffix', 'maxReceiveCount', 'statePrefix']);
  const tasks = {
    prefix: tasksReader.string('prefix', 'tasks/', isKeyPrefix, 'a non-empty key prefix without a leading /'),
    suffix: tasksReader.string('suffix', '.json', (value) => value.length <= 1024, 'a key suffix'),
    maxReceiveCount: tasksReader.integer('maxReceiveCount', 5, 3, 100),
    statePrefix: tasksReader
      .string('statePrefix', '', (value) => value === '' || isKeyPrefix(value), 'a key prefix without a leading /')
      .replace(/\/+$/, ''),
  };
  for (const folder of ['runs/', 'published/']) {
    const recordKey = tasks.statePrefix === '' ? folder : `${tasks.statePrefix}/${folder}`;
    if (recordKey.startsWith(tasks.prefix) || tasks.prefix.startsWith(recordKey)) {
      throw tasksReader.error(
        'prefix',
        `a prefix that does not overlap the run records at "${recordKey}" (run reports would start runs)`,
        `"${tasks.prefix}"`,
      );
    }
  }

  const submitterReader = root.child('submitter');
  submitterReader.allowOnly(['timeoutSeconds', 'memoryMiB', 'maxConcurrency', 'batchSize']);
  const submitter = {
    timeoutSeconds: submitterReader.integer('timeoutSeconds', 300, 30, 900),
    memoryMiB: submitterReader.integer('memoryMiB', 1024, 256, 10240),
    maxConcurrency: submitterReader.integer('maxConcurrency', 5, 2, 1000),
    batchSize: submitterReader.integer('batchSize', 5, 1, 10),
  };

  const computeReader = root.child('compute');
  computeReader.allowOnly(['type', 'maxvCpus', 'architecture', 'instanceTypes', 'ephemeralStorageGiB']);
  const type = computeReader.oneOf('type', COMPUTE_TYPES, 'FARGATE_SPOT');
  const fargate = type === 'FARGATE_SPOT' || type === 'FARGATE';
  const compute = {
    type,
    maxvCpus: computeReader.integer('maxvCpus', 256, 1, 10_000),
    architecture: computeReader.oneOf('architecture', ARCHITECTURES, 'x86_64'),
    instanceTypes: computeReader.stringList(
      'instanceTypes',
      [],
      (value) => /^[a-z][a-z0-9-]*(\.[a-z0-9]+)?$/.test(value),
      'an EC2 instance type such as c6i.2xlarge or a family such as c6i',
    ),
    ephemeralStorageGiB: fargate
      ? computeReader.integer('ephemeralStorageGiB', 50, 21, 200)
      : computeReader.integer('ephemeralStorageGiB', 200, 30, 16_384),
  };
  if (fargate && compute.instanceTypes.length > 0) {
    throw computeReader.error('instanceTypes', `no instance types with compute.type ${type}`, 'a list');
  }

  const workerReader = root.child('worker');
  workerReader.allowOnly(['vcpus', 'memoryMiB', 'timeoutMinutes', 'uploadConcurrency']);
  const workerSize = readJobSize(workerReader, fargate, 2, 4096);
  const worker = {
    ...workerSize,
    timeoutMinutes: workerReader.optionalInteger('timeoutMinutes', 1, 20_160),
    uploadConcurrency: workerReader.integer('uploadConcurrency', 16, 1, 256),
  };
  const assemblerReader = root.child('assembler');
  assemblerReader.allowOnly(['vcpus', 'memoryMiB', 'timeoutMinutes']);
  const assembler = {
    ...readJobSize(assemblerReader, fargate, 1, 2048),
    timeoutMinutes: assemblerReader.integer('timeoutMinutes', 60, 1, 20_160),
  };
  for (const [name, size] of [
    ['worker', worker],
    ['assembler', assembler],
  ] as const) {
    if (size.vcpus > compute.maxvCpus) {
      throw root.error(`${name}.vcpus`, `at most compute.maxvCpus (${compute.maxvCpus}) vCPUs`, String(size.vcpus));
    }
  }

  const networkReader = root.child('network');
  networkReader.allowOnly(['maxAzs', 'natGateways', 'vpcId', 'availabilityZones', 'subnetIds', 'publicSubnets']);
  const network = readNetwork(networkReader);

  return {
    sourceBuckets,
    destination,
    cdn,
    tasks,
    submitter,
    compute,
    worker,
    assembler,
    network,
    jobAttempts: root.integer('jobAttempts', 3, 1, 10),
    logRetentionDays: root.oneOf('logRetentionDays', LOG_RETENTION_DAYS, 30),
  };
}

function readJobSize(
  reader: Reader,
  fargate: boolean,
  defaultVcpus: number,
  defaultMemory: number,
): { vcpus: number; memoryMiB: number } {
  if (fargate) {
    const vcpus = reader.oneOf('vcpus', FARGATE_VCPUS, defaultVcpus as (typeof FARGATE_VCPUS)[number]);
    const choices = fargateMemoryChoices(vcpus);
    const fallback = Math.min(Math.max(defaultMemory, choices[0] ?? defaultMemory), choices.at(-1) ?? defaultMemory);
    const memoryMiB = reader.integer('memoryMiB', fallback, 512, 122_880);
    if (!choices.includes(memoryMiB)) {
      throw reader.error(
        'memoryMiB',
        `a Fargate memory size for ${vcpus} vCPU (${choices[0]} to ${choices.at(-1)} in steps of ${(choices[1] ?? 0) - (choices[0] ?? 0)})`,
        String(memoryMiB),
      );
    }
    return { vcpus, memoryMiB };
  }
  return {
    vcpus: reader.integer('vcpus', defaultVcpus, 1, 192),
    memoryMiB: reader.integer('memoryMiB', defaultMemory, 512, 1_572_864),
  };
}

function readNetwork(reader: Reader): ResolvedNetwork {
  const vpcId = reader.optionalString('vpcId', (value) => /^vpc-[0-9a-f]{8,17}$/.test(value), 'a VPC id (vpc-...)');
  if (vpcId === undefined) {
    for (const name of ['availabilityZones', 'subnetIds', 'publicSubnets']) {
      if (reader.has(name)) throw reader.error(name, 'no value unless network.vpcId is set', 'a value');
    }
    return {
      kind: 'created',
      maxAzs: reader.integer('maxAzs', 2, 1, 3),
      natGateways: reader.integer('natGateways', 0, 0, 3),
    };
  }
  for (const name of ['maxAzs', 'natGateways']) {
    if (reader.has(name)) throw reader.error(name, 'no value with an existing VPC (network.vpcId)', 'a value');
  }
  const subnetIds = reader.stringList(
    'subnetIds',
    [],
    (value) => /^subnet-[0-9a-f]{8,17}$/.test(value),
    'a subnet id (subnet-...)',
  );
  const availabilityZones = reader.stringList(
    'availabilityZones',
    [],
    (value) => /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(value),
    'an availability zone name such as eu-west-1a',
  );
  if (subnetIds.length === 0) throw reader.error('subnetIds', 'at least one subnet id', 'none');
  if (availabilityZones.length !== subnetIds.length) {
    throw reader.error(
      'availabilityZones',
      `one availability zone per subnet (${subnetIds.length})`,
      String(availabilityZones.length),
    );
  }
  return {
    kind: 'existing',
    vpcId,
    availabilityZones,
    subnetIds,
    publicSubnets: reader.boolean('publicSubnets', false),
  };
}

export function isBucketName(value: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) && !value.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(value)
  );
}

function isHttpUrl(value: string): boolean {
  if (value.endsWith('/')) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function isKeyPrefix(value: string): boolean {
  return value !== '' && !value.startsWith('/') && !value.split('/').includes('..') && value.length <= 512;
}

/** Walks one object of the settings, naming each value by its dotted path. */
class Reader {
  private readonly record: Readonly<Record<string, unknown>>;

  public constructor(
    value: unknown,
    private readonly path: string,
    private readonly origin: string,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidInputError(
        `Expected an object for ${path === '' ? 'the settings' : path} but received ${describe(value)} (${origin})`,
        { source: origin, field: path === '' ? undefined : path },
      );
    }
    this.record = value as Record<string, unknown>;
  }

  public child(name: string): Reader {
    return new Reader(this.record[name] ?? {}, this.name(name), this.origin);
  }

  public has(name: string): boolean {
    return this.record[name] !== undefined;
  }

  public allowOnly(names: readonly string[]): void {
    for (const key of Object.keys(this.record)) {
      if (names.includes(key)) continue;
      const suggestion = closestName(key, names);
      const hint =
        suggestion === undefined ? `known settings: ${names.join(', ')}` : `did you mean ${this.name(suggestion)}?`;
      throw new InvalidInputError(`Unknown setting ${this.name(key)} (${hint}) (${this.origin})`, {
        source: this.origin,
        field: this.name(key),
      });
    }
  }

  public error(name: string, expected: string, received: string): InvalidInputError {
    return new InvalidInputError(
      `Expected ${expected} for ${this.name(name)} but received ${received} (${this.origin})`,
      {
        source: this.origin,
        field: this.name(name),
      },
    );
  }

  public boolean(name: string, fallback: boolean): boolean {
    const value = this.record[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw this.error(name, 'true or false', describe(value));
    return value;
  }

  public integer(name: string, fallback: number, min: number, max: number): number {
    return this.optionalInteger(name, min, max) ?? fallback;
  }

  public optionalInteger(name: string, min: number, max: number): number | undefined {
    const value = this.record[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw this.error(name, `integer between ${min} and ${max}`, describe(value));
    }
    return value;
  }

  public oneOf<T extends string | number>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.record[name];
    if (value === undefined) return fallback;
    const match = choices.find((choice) => choice === value);
    if (match === undefined) throw this.error(name, `one of ${choices.join(', ')}`, describe(value));
    return match;
  }

  public string(name: string, fallback: string, valid: (value: string) => boolean, expected: string): string {
    return this.optionalString(name, valid, expected) ?? fallback;
  }

  public optionalString(name: string, valid: (value: string) => boolean, expected: string): string | undefined {
    const value = this.record[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !valid(value)) throw this.error(name, expected, describe(value));
    return value;
  }

  public stringList(
    name: string,
    fallback: readonly string[],
    valid: (value: string) => boolean,
    expected: string,
  ): readonly string[] {
    const value = this.record[name];
    if (value === undefined) return fallback;
    if (!Array.isArray(value)) throw this.error(name, `a list of strings (${expected})`, describe(value));
    value.forEach((entry: unknown, index) => {
      if (typeof entry !== 'string' || !valid(entry)) throw this.error(`${name}[${index}]`, expected, describe(entry));
    });
    const strings = value as string[];
    const duplicate = strings.find((entry, index) => strings.indexOf(entry) !== index);
    if (duplicate !== undefined) throw this.error(name, 'a list without duplicates', `"${duplicate}" twice`);
    return strings;
  }

  private name(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${String(value)} of type ${typeof value}`;
}
