import {
  type BatchClient,
  type EvaluateOnExit,
  type KeyValuePair,
  SubmitJobCommand,
  type SubmitJobCommandInput,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { type BatchSubmitConfig, JOB_ENV } from '../config.js';
import { errorMessage, IiifBatchError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { type Logger, silentLogger } from '../log.js';
import type { JobLauncher, LaunchRequest, LaunchResult } from './job-launcher.js';

/** AWS Batch array jobs have 2 to 10,000 children. */
export const MAX_ARRAY_SIZE = 10_000;
const MAX_JOB_NAME = 128;
const MAX_TAG_VALUE = 256;

/** Which queue a launch used. */
export interface BatchLaunchResult extends LaunchResult {
  readonly jobQueue: string;
}

/** A Batch call that failed; `transient` when throttling, a 5xx or the network is to blame. */
export class BatchSubmitError extends IiifBatchError {
  public readonly transient: boolean;

  public constructor(message: string, transient: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BatchSubmitError';
    this.transient = transient;
  }
}

/**
 * When Batch retries a failed job attempt. Batch evaluates the entries in order and retries when
 * none matches. Infrastructure failures come first so they are always retried; then the exit code
 * of invalid input, which no retry can fix. A shard worker exits non-zero only when it could not
 * record every image's outcome (storage, a full disk, a crash): those are retried. Failed images
 * are outcomes, not job failures: the worker exits 0.
 * (Patterns may hold letters, digits, `.`, `:` and spaces, and end with `*`.)
 */
export const RETRY_CONDITIONS: readonly EvaluateOnExit[] = [
  // EC2 host terminated (Spot reclaim on EC2 compute environments, or maintenance).
  { onStatusReason: 'Host EC2*', action: 'RETRY' },
  // Fargate Spot reclaim (ECS stop reason of an interrupted Spot task).
  { onStatusReason: 'Your Spot Task was interrupted*', action: 'RETRY' },
  // Image pull hiccups (registry throttling, network) at container start.
  { onReason: 'CannotPullContainerError*', action: 'RETRY' },
  // Invalid input or configuration: nothing ran, nothing would on a retry.
  { onExitCode: String(ExitCode.Invalid), action: 'EXIT' },
];

/**
 * Submits a run to AWS Batch: one array job of shard workers (a plain job for one shard; child
 * `i` tiles `shards[i]` of the attempt) and one assembler job that depends on it, both to the
 * deployment's queue and job definitions. A task file's `jobQueue` and `jobDefinition` (legacy
 * fields) are recorded with the run and never used. The jobs run later: `completed` is `false`.
 */
export class BatchJobLauncher implements JobLauncher {
  public readonly kind = 'batch' as const;
  public readonly waitsForJobs = false;

  public constructor(
    private readonly client: BatchClient,
    private readonly config: BatchSubmitConfig,
    private readonly logger: Logger = silentLogger,
  ) {}

  public async launch(request: LaunchRequest): Promise<BatchLaunchResult> {
    const size = request.shards.length;
    if (size < 1 || size > MAX_ARRAY_SIZE) {
      throw new IiifBatchError(
        `Expected between 1 and ${MAX_ARRAY_SIZE} shards for run ${request.runId} but received ${size}`,
      );
    }
    const jobQueue = this.config.jobQueue;
    const inputs = submitJobInputs(request, this.config, jobQueue);

    const shardJobId = await this.submit(inputs.shards, request.runId);
    let assemblerJobId: string;
    try {
      assemblerJobId = await this.submit(inputs.assembler(shardJobId), request.runId);
    } catch (error) {
      // Without its assembler the shard job is useless; cancel it so a retried submission does
      // not leave a second set of workers running.
      await this.client
        .send(
          new TerminateJobCommand({
            jobId: shardJobId,
            reason: `Assembler job could not be submitted: ${errorMessage(error)}`.slice(0, 1000),
          }),
        )
        .catch((terminateError: unknown) =>
          this.logger.error('Could not terminate the shard job after the assembler submission failed', {
            runId: request.runId,
            shardJobId,
            error: errorMessage(terminateError),
          }),
        );
      throw error;
    }
    this.logger.info('Submitted Batch jobs', {
      runId: request.runId,
      attempt: request.attempt,
      shards: size,
      shardJobId,
      assemblerJobId,
      jobQueue,
    });
    return { shardJobId, assemblerJobId, completed: false, jobQueue };
  }

  /**
   * Submit the manifest assembler alone, depending on nothing (`iiif-batch assemble`): it rewrites
   * the manifests and collection from the stored per-image results. `shards` is ignored.
   */
  public async launchAssembler(request: LaunchRequest): Promise<{ assemblerJobId: string; jobQueue: string }> {
    const jobQueue = this.config.jobQueue;
    const { dependsOn: _none, ...input } = submitJobInputs(request, this.config, jobQueue).assembler('');
    const assemblerJobId = await this.submit(input, request.runId);
    this.logger.info('Submitted the assembler job alone', {
      runId: request.runId,
      attempt: request.attempt,
      assemblerJobId,
      jobQueue,
    });
    return { assemblerJobId, jobQueue };
  }

  private async submit(input: SubmitJobCommandInput, runId: string): Promise<string> {
    try {
      const answer = await this.client.send(new SubmitJobCommand(input));
      if (answer.jobId === undefined || answer.jobId === '') {
        throw new BatchSubmitError(`Batch accepted job ${input.jobName} of run ${runId} but returned no job id`, true);
      }
      return answer.jobId;
    } catch (error) {
      if (error instanceof BatchSubmitError) throw error;
      throw new BatchSubmitError(
        `Submitting Batch job ${input.jobName} of run ${runId} to queue ${input.jobQueue} failed: ${errorMessage(error)}`,
        isTransientBatchError(error),
        { cause: error },
      );
    }
  }
}

/** The SubmitJob inputs of a launch (the assembler's needs the shard job's id). */
export function submitJobInputs(
  request: LaunchRequest,
  config: BatchSubmitConfig,
  jobQueue: string,
): { shards: SubmitJobCommandInput; assembler: (shardJobId: string) => SubmitJobCommandInput } {
  const size = request.shards.length;
  const environment = jobEnvironment(request);
  const tags = jobTags(request);
  const retryStrategy = { attempts: config.attempts, evaluateOnExit: [...RETRY_CONDITIONS] };
  const base = baseJobName(request.task.jobName, request.attempt);
  const shards: SubmitJobCommandInput = {
    jobName: `${base}-tiles`,
    jobQueue,
    jobDefinition: config.workerJobDefinition,
    ...(size > 1 ? { arrayProperties: { size } } : {}),
    containerOverrides: { environment },
    retryStrategy,
    timeout: { attemptDurationSeconds: config.workerTimeoutSeconds ?? workerTimeout(request) },
    tags,
    propagateTags: true,
  };
  const assembler = (shardJobId: string): SubmitJobCommandInput => ({
    jobName: `${base}-manifests`,
    jobQueue,
    jobDefinition: config.assemblerJobDefinition,
    // On an array job, Batch starts this job once every child has finished, and only if every
    // child succeeded (after its retries): a failed child fails this dependency and Batch never runs
    // the assembler. Children succeed once every image's outcome is recorded, failed images included
    // (shard-worker/main.ts), so the manifests follow every shard that did its job; a child that could
    // not (storage kept failing) leaves the assembler cancelled until `iiif-batch resubmit` reruns it.
    dependsOn: [{ jobId: shardJobId }],
    containerOverrides: { environment },
    retryStrategy,
    timeout: { attemptDurationSeconds: config.assemblerTimeoutSeconds },
    tags,
    propagateTags: true,
  });
  return { shards, assembler };
}

/** What both container jobs need to find their run (Batch adds AWS_BATCH_JOB_ARRAY_INDEX). */
function jobEnvironment(request: LaunchRequest): KeyValuePair[] {
  return [
    { name: JOB_ENV.runId, value: request.runId },
    { name: JOB_ENV.stateBucket, value: request.state.bucket },
    ...(request.state.prefix === '' ? [] : [{ name: JOB_ENV.statePrefix, value: request.state.prefix }]),
    { name: JOB_ENV.attempt, value: String(request.attempt) },
  ];
}

function jobTags(request: LaunchRequest): Record<string, string> {
  return {
    'iiif-batch:run-id': tagValue(request.runId),
    'iiif-batch:job-name': tagValue(request.task.jobName),
    'iiif-batch:collection': tagValue(request.task.collectionId),
    'iiif-batch:attempt': String(request.attempt),
  };
}

/** Default attempt timeout of a shard: 4 × the planned minutes of work, at least an hour. */
function workerTimeout(request: LaunchRequest): number {
  return Math.max(3600, request.task.settings.shardTargetMinutes * 60 * 4);
}

/**
 * A Batch job name from the task's `jobName`: letters, digits, `-` and `_`, starting with a letter
 * or digit, short enough for the longest suffix (`-r10000-manifests`) within 128 characters.
 */
export function baseJobName(jobName: string, attempt: number): string {
  const suffixRoom = '-manifests'.length + (attempt > 1 ? `-r${attempt}`.length : 0);
  let name = jobName.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  if (name === '') name = 'iiif-batch';
  name = name.slice(0, MAX_JOB_NAME - suffixRoom);
  return attempt > 1 ? `${name}-r${attempt}` : name;
}

/** Tag values allow letters, digits, spaces and `+ - = . _ : / @`, up to 256 characters. */
function tagValue(value: string): string {
  return value.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, '_').slice(0, MAX_TAG_VALUE);
}

/** Whether a failed Batch call may succeed later (throttling, 5xx, network trouble). */
export function isTransientBatchError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const status = shape.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (shape.$retryable !== undefined) return true;
  if (shape.name === 'ServerException' || shape.name === 'TooManyRequestsException') return true;
  if (shape.name === 'ThrottlingException' || shape.name === 'TimeoutError') return true;
  const code = shape.code ?? '';
  return ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND'].includes(code);
}
