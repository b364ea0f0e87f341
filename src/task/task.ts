import type { Settings } from './settings.js';

/**
 * A validated task file. Built only by `parseTaskFile`; everything inward trusts these values.
 * Paths (`accessDir`, `destPrefix`, `csvPath`) have no leading or trailing `/` and no `..`.
 */
export interface Task {
  /** `jobName`: names the run and the Batch jobs. */
  readonly jobName: string;
  /** `jobQueue` (legacy): recorded with the run, never used; jobs go to the deployment's queue. */
  readonly jobQueue: string | undefined;
  /** `jobDefinition` (legacy): recorded with the run, never used; the deployment's definitions run. */
  readonly jobDefinition: string | undefined;
  /** `AWS_REGION`: recorded; the deployment's region is what is used. */
  readonly region: string | undefined;
  /** `COLLECTION_IDENTIFIER`: the collection's folder under `destPrefix`. */
  readonly collectionId: string;
  /** `ACCESS_DIR`: the prefix listed in the source bucket. */
  readonly accessDir: string;
  /** `AWS_SRC_BUCKET`: images and CSV. */
  readonly srcBucket: string;
  /** `AWS_DEST_BUCKET`: where tiles and manifests are published. */
  readonly destBucket: string;
  /** `DEST_PREFIX`: key prefix of everything published. */
  readonly destPrefix: string;
  /** `DEST_URL`: public base URL of the destination bucket, no trailing `/`. */
  readonly destUrl: string;
  /** `CSV_PATH`: folder of the CSV in the source bucket. */
  readonly csvPath: string;
  /** `CSV_NAME`: file name of the CSV. */
  readonly csvName: string;
  readonly settings: Settings;
}

/** Key prefix of one collection in the destination: `{DEST_PREFIX}/{COLLECTION_IDENTIFIER}`. */
export function collectionKey(task: Task): string {
  return joinKey(task.destPrefix, task.collectionId);
}

/** Key of the CSV in the source bucket. */
export function csvKey(task: Task): string {
  return joinKey(task.csvPath, task.csvName);
}

/** Join key parts with `/`, skipping empty ones. */
export function joinKey(...parts: string[]): string {
  return parts.filter((part) => part !== '').join('/');
}

/** Public URL of a destination key: `DEST_URL/` + key, each segment percent-encoded. */
export function publicUrl(task: Task, key: string): string {
  return `${task.destUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
