import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  AccessDeniedError,
  errorMessage,
  InvalidInputError,
  NotFoundError,
  TaskFileError,
  VersionMismatchError,
} from '../errors.js';
import type { Logger } from '../log.js';
import { publishRunEvent, type RunEvents } from '../run/run-events.js';
import type { RunStore } from '../run/run-store.js';
import type { ReadVersion, Storage } from '../storage/storage.js';
import { decodeTaskFile } from '../task/decode-task-file.js';
import { parseTaskFile } from '../task/parse-task-file.js';
import type { Task } from '../task/task.js';
import type { JobLauncher } from './job-launcher.js';
import { taskFileBaseName, taskRunId, taskVersionDigest } from './run-id.js';
import { parseS3Events, type S3ObjectEvent } from './s3-event.js';
import { submitRun } from './submit-run.js';

/** Task files are a few kilobytes; anything bigger is not one. */
export const MAX_TASK_FILE_BYTES = 1024 * 1024;

export interface TaskRecordDependencies {
  readonly storage: Storage;
  readonly runStore: RunStore;
  readonly launcher: JobLauncher;
  readonly logger: Logger;
  /** Buckets a task may name as AWS_SRC_BUCKET (read by the jobs, listed by the submitter). */
  readonly sourceBuckets: readonly string[];
  /** Buckets a task may name as AWS_DEST_BUCKET (written by the jobs). */
  readonly destinationBuckets: readonly string[];
  /** How long a collection's lease stays live without a sign of life (default `DEFAULT_LEASE_SECONDS`). */
  readonly leaseSeconds?: number;
  /** Where the "Task rejected" event of a refused task goes (none: no event). */
  readonly events?: RunEvents;
  readonly now?: () => Date;
  /**
   * When this Lambda invocation ends (milliseconds since the epoch; see `SubmitRequest.deadline`): a
   * task too large to plan and record in that time is rejected with the reason. None: no limit.
   */
  readonly deadline?: number;
}

/** What became of one task file. */
export type TaskOutcome =
  | {
      readonly status: 'submitted';
      readonly runId: string;
      readonly shardJobId: string;
      readonly assemblerJobId: string;
    }
  | { readonly status: 'duplicate'; readonly runId: string }
  | { readonly status: 'rejected'; readonly runId: string; readonly reason: string }
  | { readonly status: 'ignored'; readonly reason: string };

/**
 * The submitter Lambda's core: every record of an SQS batch, one after another (so two deliveries
 * of one task file in a batch meet at the run's conditional create). Returns the partial batch
 * response: a record is listed in `batchItemFailures` only when it may succeed later (throttling,
 * 5xx, network, unknown errors), so SQS redelivers it and, after the queue's maximum receives,
 * moves it to the dead-letter queue. A task that can never succeed (invalid task file or CSV, a
 * source or destination bucket outside its allow-list or denied to the deployment, no images, a
 * task file overwritten in an unversioned bucket) gets an `error.json` beside the run records, is
 * logged, and its message is let go.
 */
export async function processTaskRecords(deps: TaskRecordDependencies, event: SQSEvent): Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS, { logger: powertoolsLogger(deps.logger) });
  const response = await processPartialResponse(
    event,
    (record: SQSRecord) => processTaskRecord(deps, record),
    processor,
    { processInParallel: false, throwOnFullBatchFailure: false },
  );
  return { batchItemFailures: response.batchItemFailures };
}

/**
 * One SQS message (normally one S3 event). Throws only for failures worth retrying.
 */
export async function processTaskRecord(deps: TaskRecordDependencies, record: SQSRecord): Promise<TaskOutcome[]> {
  const source = `SQS message ${record.messageId}`;
  const log = deps.logger.child({ messageId: record.messageId });
  let events: ReturnType<typeof parseS3Events>;
  try {
    events = parseS3Events(record.body, source);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    // Not an S3 event at all: no task file to name a report after; log it and let it go.
    log.error('message is not an S3 event notification; dropping it', {
      event: 'rejected',
      error: errorMessage(error),
    });
    return [{ status: 'ignored', reason: errorMessage(error) }];
  }
  const outcomes: TaskOutcome[] = [];
  for (const event of events) {
    if (event.kind === 'test') {
      log.info('S3 test event; nothing to do', { event: 'test-event', bucket: event.bucket });
      outcomes.push({ status: 'ignored', reason: 's3:TestEvent' });
      continue;
    }
    if (!event.eventName.startsWith('ObjectCreated:')) {
      log.info('not an object creation; nothing to do', { event: 'ignored', eventName: event.eventName });
      outcomes.push({ status: 'ignored', reason: event.eventName });
      continue;
    }
    outcomes.push(await submitTaskObject(deps, event, log));
  }
  return outcomes;
}

/**
 * Read, check and submit one uploaded task file: exactly the version the event names (its S3
 * version id; in a bucket without versions, the object only while it still has the event's ETag).
 * Throws only for failures worth retrying.
 */
export async function submitTaskObject(
  deps: TaskRecordDependencies,
  event: S3ObjectEvent,
  logger: Logger,
): Promise<TaskOutcome> {
  const location = deps.storage.describe(event.bucket, event.key);
  const log = logger.child({ task: location });
  let runId = taskRunId(taskFileBaseName(event.key), event.bucket, event.key, event.versionId ?? event.etag ?? '');
  let task: Task | undefined;
  try {
    const read = await taskVersion(deps.storage, event);
    const version = read.versionId ?? read.etag;
    runId = taskRunId(taskFileBaseName(event.key), event.bucket, event.key, version);
    const text = await readTaskText(deps.storage, event, location, read);
    // Name the run (and so an error report) after the jobName even when the file is invalid.
    const jobName = jobNameOf(text);
    if (jobName !== undefined) runId = taskRunId(jobName, event.bucket, event.key, version);
    task = parseTaskFile(text, location);
    runId = taskRunId(task.jobName, event.bucket, event.key, version);
    checkBuckets(task, deps, location);

    const outcome = await submitRun(
      {
        storage: deps.storage,
        runStore: deps.runStore,
        launcher: deps.launcher,
        logger: log,
        now: deps.now,
        ...(deps.leaseSeconds === undefined ? {} : { leaseSeconds: deps.leaseSeconds }),
      },
      {
        task,
        runId,
        ...(deps.deadline === undefined ? {} : { deadline: deps.deadline }),
        source: {
          location,
          bucket: event.bucket,
          key: event.key,
          version,
          ...(read.versionId === undefined ? {} : { versionId: read.versionId }),
          ...(read.etag === '' ? {} : { etag: read.etag }),
        },
      },
    );
    if (outcome.status === 'duplicate') {
      log.info('task file version already submitted', { event: 'duplicate', runId });
      return { status: 'duplicate', runId };
    }
    // A report of an earlier, rejected upload with the same content would contradict the run now.
    await deps.storage.delete(deps.runStore.state.bucket, deps.runStore.runKey(runId, 'error.json'));
    log.info('run submitted', {
      event: 'submitted',
      runId,
      version,
      ...outcome.counts,
      shardJobId: outcome.launch.shardJobId,
      assemblerJobId: outcome.launch.assemblerJobId,
    });
    return {
      status: 'submitted',
      runId,
      shardJobId: outcome.launch.shardJobId,
      assemblerJobId: outcome.launch.assemblerJobId,
    };
  } catch (error) {
    if (error instanceof VersionMismatchError) {
      // A late redelivery of a notification whose upload already ran (and was overwritten since).
      const digest = taskVersionDigest(event.bucket, event.key, event.versionId ?? event.etag ?? '');
      const earlier = await deps.runStore.findRunEndingWith(`-${digest}`);
      if (earlier !== undefined) {
        log.info('task file version already submitted', { event: 'duplicate', runId: earlier.runId });
        return { status: 'duplicate', runId: earlier.runId };
      }
    }
    if (!isPermanent(error, task)) {
      log.warn('task submission failed; the message will be retried', {
        event: 'retry',
        runId,
        error: errorMessage(error),
        errorName: error instanceof Error ? error.name : undefined,
      });
      throw error;
    }
    const field = error instanceof InvalidInputError ? error.field : undefined;
    const report = {
      message: rejectionMessage(error, location),
      source: location,
      ...(field === undefined ? {} : { field }),
    };
    await deps.runStore.putError(runId, report);
    log.error('task rejected', {
      event: 'rejected',
      runId,
      error: report.message,
      field,
      report: deps.runStore.describe(runId, 'error.json'),
    });
    await publishRunEvent(
      deps.events,
      {
        detailType: 'Task rejected',
        detail: {
          runId,
          status: 'rejected',
          task: { file: location, version: event.versionId ?? event.etag },
          message: report.message,
          field,
          report: deps.runStore.describe(runId, 'error.json'),
        },
      },
      log.child({ runId }),
    );
    return { status: 'rejected', runId, reason: report.message };
  }
}

/**
 * Errors no retry can fix: invalid input, an object (task file, CSV) that is not there, a task file
 * overwritten since its notification, and access denied to the task's own source or destination
 * bucket (the deployment does not grant it: a retry would be denied again).
 */
export function isPermanent(error: unknown, task?: Task): boolean {
  if (error instanceof InvalidInputError || error instanceof NotFoundError) return true;
  if (error instanceof VersionMismatchError) return true;
  return (
    error instanceof AccessDeniedError &&
    task !== undefined &&
    (error.bucket === task.srcBucket || error.bucket === task.destBucket)
  );
}

function rejectionMessage(error: unknown, location: string): string {
  if (error instanceof VersionMismatchError) {
    return (
      `${location} was overwritten after this upload was notified (it no longer has ETag ${error.expected}), ` +
      'and the bucket keeps no versions: this upload is not run. The newer upload is notified and run on its own.'
    );
  }
  return errorMessage(error);
}

/**
 * Which version of the task file to read: the event's version id (versioned bucket), else its
 * ETag as a condition; an event with neither (not sent by S3) reads the current object's ETag.
 */
async function taskVersion(storage: Storage, event: S3ObjectEvent): Promise<{ versionId?: string; etag: string }> {
  if (event.versionId !== undefined) return { versionId: event.versionId, etag: event.etag ?? '' };
  if (event.etag !== undefined) return { etag: event.etag };
  const info = await storage.head(event.bucket, event.key);
  if (info === undefined) throw new NotFoundError(event.bucket, event.key);
  return { etag: info.etag };
}

async function readTaskText(
  storage: Storage,
  event: S3ObjectEvent,
  location: string,
  version: { versionId?: string; etag: string },
): Promise<string> {
  if (event.size !== undefined && event.size > MAX_TASK_FILE_BYTES) {
    throw new TaskFileError(
      `${location}: expected a task file of at most ${MAX_TASK_FILE_BYTES} bytes but received ${event.size} bytes`,
      { source: location },
    );
  }
  const condition: ReadVersion =
    version.versionId !== undefined ? { versionId: version.versionId } : { etag: version.etag };
  const bytes = await storage.getBytes(event.bucket, event.key, condition);
  if (bytes.length > MAX_TASK_FILE_BYTES) {
    throw new TaskFileError(
      `${location}: expected a task file of at most ${MAX_TASK_FILE_BYTES} bytes but received ${bytes.length} bytes`,
      { source: location },
    );
  }
  return decodeTaskFile(bytes, location);
}

/** The `jobName` of an invalid task file, if it is JSON with a usable one (to name its error report). */
function jobNameOf(text: string): string | undefined {
  try {
    const document: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
    const name = (document as { jobName?: unknown } | null)?.jobName;
    return typeof name === 'string' && /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A task may only read from the deployment's source buckets and publish to its destination
 * buckets: each bucket is checked against its own role's list, before anything is listed or
 * submitted.
 */
export function checkBuckets(
  task: Task,
  allowed: Pick<TaskRecordDependencies, 'sourceBuckets' | 'destinationBuckets'>,
  location: string,
): void {
  const checks = [
    ['AWS_SRC_BUCKET', task.srcBucket, 'source', allowed.sourceBuckets, allowed.destinationBuckets, 'destination'],
    ['AWS_DEST_BUCKET', task.destBucket, 'destination', allowed.destinationBuckets, allowed.sourceBuckets, 'source'],
  ] as const;
  for (const [field, bucket, role, list, otherList, otherRole] of checks) {
    if (list.includes(bucket)) continue;
    const note = otherList.includes(bucket) ? ` ("${bucket}" is a ${otherRole} bucket of this deployment)` : '';
    const expected = list.length === 0 ? `no ${role} bucket is configured` : `expected one of ${list.join(', ')}`;
    throw new TaskFileError(
      `${location}: ${field} "${bucket}" is not a ${role} bucket this deployment may use${note}; ${expected}`,
      { source: location, field },
    );
  }
}

function powertoolsLogger(logger: Logger) {
  const text = (parts: unknown[]): string =>
    parts.map((part) => (typeof part === 'string' ? part : errorMessage(part))).join(' ');
  return {
    debug: (...parts: unknown[]) => logger.debug(text(parts)),
    info: (...parts: unknown[]) => logger.info(text(parts)),
    warn: (...parts: unknown[]) => logger.warn(text(parts)),
    error: (...parts: unknown[]) => logger.error(text(parts)),
  };
}
