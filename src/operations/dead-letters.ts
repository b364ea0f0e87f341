import { errorMessage, InvalidInputError } from '../errors.js';
import type { RunStore } from '../run/run-store.js';
import type { Storage } from '../storage/storage.js';
import { getJsonIfExists } from '../storage/storage.js';
import { taskFileBaseName, taskRunId } from '../submitter/run-id.js';
import { parseS3Events } from '../submitter/s3-event.js';
import { decodeTaskFile } from '../task/decode-task-file.js';
import { parseTaskFile } from '../task/parse-task-file.js';

/** One message as a queue hands it out. */
export interface QueueMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** SQS's ApproximateReceiveCount (it includes this receive). */
  readonly receiveCount?: number;
  /** When it was first sent (ISO 8601). */
  readonly sentAt?: string;
  /** Message attributes, passed on unchanged when the message is moved. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** The queue operations `dlq` needs; the SQS adapter is `src/aws/dead-letter-queue.ts`. */
export interface MessageQueue {
  /** Up to 10 messages, hidden from other receivers for `visibilitySeconds`; empty when none is left. */
  receive(queueUrl: string, max: number, visibilitySeconds: number): Promise<QueueMessage[]>;
  /** Make a received message visible again at once. */
  release(queueUrl: string, message: QueueMessage): Promise<void>;
  send(queueUrl: string, message: QueueMessage): Promise<void>;
  delete(queueUrl: string, message: QueueMessage): Promise<void>;
}

/** One task file named by a dead letter, and what became of it. */
export interface DeadTask {
  readonly bucket: string;
  readonly key: string;
  readonly location: string;
  readonly version?: string;
  /** The run id the submitter gives this version, when it could be worked out. */
  readonly runId?: string;
  /** `submitted`: a run exists after all; `rejected`: an error report exists; `unknown` otherwise. */
  readonly outcome: 'submitted' | 'rejected' | 'unknown';
  readonly reason: string;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly receiveCount?: number;
  readonly sentAt?: string;
  readonly tasks: readonly DeadTask[];
  /** Set when the body is not an S3 event notification. */
  readonly problem?: string;
  /** Whether it was moved back to the source queue. */
  readonly redriven: boolean;
}

export interface DeadLetterDependencies {
  readonly queue: MessageQueue;
  /** Where task files are (S3). */
  readonly storage: Storage;
  /** Where the run records and error reports of a task file in `taskBucket` are. */
  readonly runStoreFor: (taskBucket: string) => RunStore;
}

export interface DeadLetterRequest {
  readonly dlqUrl: string;
  /** Required with `redrive`: the queue the messages go back to. */
  readonly queueUrl?: string;
  readonly redrive: boolean;
  /** At most this many messages (default 1000). */
  readonly max?: number;
  /** How long listed messages stay hidden while the command works (default 300 s). */
  readonly visibilitySeconds?: number;
}

/**
 * List the task messages in the dead-letter queue with the reason each failed: the run's
 * `error.json` when the submitter wrote one, the run itself when it was submitted after all,
 * otherwise how often the message was received (the submitter kept failing with errors worth
 * retrying: throttling, 5xx, network or configuration; its logs tell which). With `redrive`, move
 * every listed message back to the source queue (send, then delete from the dead-letter queue);
 * otherwise make them visible again.
 *
 * Messages are hidden while listed, so the receive loop sees each once; SQS's own message move
 * task is not used because it cannot be limited to the messages shown.
 */
export async function processDeadLetters(
  deps: DeadLetterDependencies,
  request: DeadLetterRequest,
): Promise<DeadLetter[]> {
  if (request.redrive && request.queueUrl === undefined) {
    throw new InvalidInputError(
      'Expected the source queue URL for --redrive (--queue-url or IIIF_BATCH_QUEUE_URL) but received none',
      { field: 'queue-url' },
    );
  }
  const max = request.max ?? 1000;
  const visibility = request.visibilitySeconds ?? 300;
  const received = new Map<string, QueueMessage>();
  while (received.size < max) {
    const batch = await deps.queue.receive(request.dlqUrl, Math.min(10, max - received.size), visibility);
    if (batch.length === 0) break;
    for (const message of batch) received.set(message.messageId, message);
  }

  const letters: DeadLetter[] = [];
  for (const message of received.values()) {
    const letter = await explain(deps, message);
    let redriven = false;
    if (request.redrive && request.queueUrl !== undefined) {
      await deps.queue.send(request.queueUrl, message);
      await deps.queue.delete(request.dlqUrl, message);
      redriven = true;
    }
    letters.push({ ...letter, redriven });
  }
  if (!request.redrive) {
    for (const message of received.values()) await deps.queue.release(request.dlqUrl, message);
  }
  return letters;
}

async function explain(deps: DeadLetterDependencies, message: QueueMessage): Promise<Omit<DeadLetter, 'redriven'>> {
  const base = {
    messageId: message.messageId,
    ...(message.receiveCount === undefined ? {} : { receiveCount: message.receiveCount }),
    ...(message.sentAt === undefined ? {} : { sentAt: message.sentAt }),
  };
  let events: ReturnType<typeof parseS3Events>;
  try {
    events = parseS3Events(message.body, `SQS message ${message.messageId}`);
  } catch (error) {
    return { ...base, tasks: [], problem: errorMessage(error) };
  }
  const tasks: DeadTask[] = [];
  for (const event of events) {
    if (event.kind === 'object') {
      tasks.push(await explainTask(deps, event, message.receiveCount));
    }
  }
  return tasks.length === 0
    ? { ...base, tasks, problem: 'the message names no task file (S3 test event)' }
    : { ...base, tasks };
}

async function explainTask(
  deps: DeadLetterDependencies,
  event: { bucket: string; key: string; versionId: string | undefined; etag: string | undefined },
  receiveCount: number | undefined,
): Promise<DeadTask> {
  const { storage } = deps;
  const runStore = deps.runStoreFor(event.bucket);
  const location = storage.describe(event.bucket, event.key);
  const base = { bucket: event.bucket, key: event.key, location };
  let version = event.versionId ?? event.etag;
  const head = await storage.head(event.bucket, event.key);
  if (version === undefined && head !== undefined) version = head.etag;
  if (version === undefined) {
    return { ...base, outcome: 'unknown', reason: `the task file no longer exists at ${location}` };
  }
  const withVersion = { ...base, version };

  // The submitter names a run after the task's jobName, or after the file when it cannot parse it.
  const candidates = [taskRunId(taskFileBaseName(event.key), event.bucket, event.key, version)];
  let parseProblem: string | undefined;
  if (head !== undefined) {
    try {
      const task = parseTaskFile(decodeTaskFile(await storage.getBytes(event.bucket, event.key), location), location);
      candidates.unshift(taskRunId(task.jobName, event.bucket, event.key, version));
    } catch (error) {
      parseProblem = errorMessage(error);
    }
  }
  for (const runId of candidates) {
    if ((await runStore.findRun(runId)) !== undefined) {
      return {
        ...withVersion,
        runId,
        outcome: 'submitted',
        reason: `submitted after all as run ${runId} (redriving it is harmless: the submitter sees a duplicate)`,
      };
    }
    const report = await getJsonIfExists<{ message?: string }>(
      runStore.storage,
      runStore.state.bucket,
      runStore.runKey(runId, 'error.json'),
    );
    if (report !== undefined) {
      return { ...withVersion, runId, outcome: 'rejected', reason: report.message ?? 'rejected (no message recorded)' };
    }
  }
  const runId = candidates[0];
  const received = receiveCount === undefined ? '' : ` (received ${receiveCount} times)`;
  const reason =
    head === undefined
      ? `the task file no longer exists at ${location}${received}`
      : parseProblem !== undefined
        ? `the task file is invalid: ${parseProblem}${received}`
        : `no error report: the submitter failed with errors worth retrying${received}; its logs tell which (throttling, 5xx, network, configuration)`;
  return { ...withVersion, ...(runId === undefined ? {} : { runId }), outcome: 'unknown', reason };
}
