import { basename } from 'node:path';
import { NotFoundError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { taskRunId } from '../submitter/run-id.js';
import { parseTaskFile } from '../task/parse-task-file.js';
import type { Task } from '../task/task.js';
import { checkValue } from '../validation/parse-input.js';
import { isKeyPath, text } from '../validation/rules.js';

/** Puts a task file where the pipeline picks it up, and says which version it stored. */
export interface TaskFileUploader {
  /** `s3://bucket/key` or a file path, for messages. */
  describe(bucket: string, key: string): string;
  /** Store the bytes; the answer is the stored version: the S3 version id when the bucket keeps versions, and the ETag. */
  upload(bucket: string, key: string, body: Buffer): Promise<{ readonly etag: string; readonly versionId?: string }>;
}

export interface SubmittedTaskFile {
  readonly task: Task;
  readonly bucket: string;
  readonly key: string;
  readonly location: string;
  /** Version id, else ETag: what the submitter hashes into the run id. */
  readonly version: string;
  /** The run id the submitter gives this upload (see `taskRunId`). */
  readonly runId: string;
}

/**
 * `<prefix><file name>`, the default key of a task file. The prefix is the task bucket's (the
 * stack's notification fires only for keys under it, `tasks/` unless configured).
 */
export function defaultTaskKey(path: string, prefix: string): string {
  return `${prefix}${basename(path)}`;
}

/**
 * Validate a task file here (so a typo is caught before anything is uploaded), upload it to the task
 * bucket (the upload is the trigger), and compute the run id the submitter will give it: the same
 * bucket, key and version always make the same id.
 *
 * @throws TaskFileError for an invalid task file (nothing uploaded); InvalidInputError for a key
 *   the notification would not fire for
 */
export async function submitTaskFile(
  uploader: TaskFileUploader,
  input: { readonly text: string; readonly path: string; readonly bucket: string; readonly key: string },
): Promise<SubmittedTaskFile> {
  const task = parseTaskFile(input.text, input.path);
  checkTaskKey(input.key);
  const stored = await uploader.upload(input.bucket, input.key, Buffer.from(input.text, 'utf8'));
  const version = stored.versionId ?? stored.etag;
  return {
    task,
    bucket: input.bucket,
    key: input.key,
    location: uploader.describe(input.bucket, input.key),
    version,
    runId: taskRunId(task.jobName, input.bucket, input.key, version),
  };
}

/** A task key: a plain key ending in `.json` (the notification's suffix filter). */
const TASK_KEY = text('a key like tasks/name.json', (key) => !key.startsWith('/') && isKeyPath(key)).refine(
  (key) => key.toLowerCase().endsWith('.json'),
  { error: 'a key ending in .json (the bucket notifies the pipeline only of .json keys)' },
);

/** @throws InvalidInputError naming `--key` when `key` is not a plain key ending in `.json` */
export function checkTaskKey(key: string): void {
  checkValue('--key', TASK_KEY, key);
}

/**
 * A task-file uploader over any storage (a local root: `DIR/<bucket>/<key>`). The version is the
 * stored object's fingerprint, as the submitter would see it; uploading unchanged bytes again
 * leaves the file (and so its version and run id) as it was.
 */
export class StorageTaskFileUploader implements TaskFileUploader {
  public constructor(private readonly storage: Storage) {}

  public describe(bucket: string, key: string): string {
    return this.storage.describe(bucket, key);
  }

  public async upload(bucket: string, key: string, body: Buffer): Promise<{ etag: string }> {
    // Like S3, where the same bytes get the same ETag: an unchanged file keeps its version (a file's
    // fingerprint includes its modification time, so rewriting it would make a new one).
    const existing = await this.storage.head(bucket, key);
    if (existing !== undefined && existing.size === body.length) {
      const current = await this.storage.getBytes(bucket, key);
      if (current.equals(body)) return { etag: existing.etag };
    }
    await this.storage.put(bucket, key, body, { contentType: 'application/json' });
    const info = await this.storage.head(bucket, key);
    if (info === undefined) throw new NotFoundError(bucket, key);
    return { etag: info.etag };
  }
}
