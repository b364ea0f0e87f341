import { createHash } from 'node:crypto';

/**
 * The run id of one version of a task file: `{name}-{12 hex digits}`, where the digits hash the
 * bucket, key and version (S3 version id, or the ETag when the bucket is not versioned). The same
 * upload always gets the same id, so a redelivered notification finds its run already created.
 *
 * @param name the task's `jobName` (or, for a task file that could not be read, its file name);
 *   characters outside `A-Za-z0-9_-` are replaced by `-`
 */
export function taskRunId(name: string, bucket: string, key: string, version: string): string {
  const digest = taskVersionDigest(bucket, key, version);
  const safe = name
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);
  return `${safe === '' ? 'task' : safe}-${digest}`;
}

/** The 12 hex digits that end the run id of every upload of `bucket/key` at `version`. */
export function taskVersionDigest(bucket: string, key: string, version: string): string {
  return createHash('sha256')
    .update(`${bucket}\n${key}\n${cleanVersion(version)}`, 'utf8')
    .digest('hex')
    .slice(0, 12);
}

/** ETags arrive quoted from S3 APIs and unquoted in event notifications: one form for hashing. */
function cleanVersion(version: string): string {
  return version.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** The name part of a run id for a task file that could not be parsed: its file name without `.json`. */
export function taskFileBaseName(key: string): string {
  const file = key.slice(key.lastIndexOf('/') + 1);
  return file.replace(/\.json$/i, '');
}
