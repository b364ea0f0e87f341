/**
 * The project's small error hierarchy. Every error a user can cause carries what they need to fix it
 * (which file, field, row or key) and a stable `name` so callers can branch without string matching.
 */
export class IiifBatchError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IiifBatchError';
  }
}

/** Input that can never succeed as given (task file, CSV, CLI flag, setting). Exit status 2. */
export class InvalidInputError extends IiifBatchError {
  /** Where the bad input is: a file path or URL, e.g. `s3://tasks/a.json` or `examples/task.json`. */
  public readonly source: string | undefined;
  /** The field, key, setting or column at fault, e.g. `environment[3].DEST_URL`. */
  public readonly field: string | undefined;

  public constructor(message: string, details: { source?: string; field?: string } = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidInputError';
    this.source = details.source;
    this.field = details.field;
  }
}

/** A task file that is not valid: JSON syntax, missing or empty fields, bad settings. */
export class TaskFileError extends InvalidInputError {
  public constructor(message: string, details: { source?: string; field?: string } = {}, options?: ErrorOptions) {
    super(message, details, options);
    this.name = 'TaskFileError';
  }
}

/** A metadata CSV that cannot be used: unparseable, no identifier column, duplicate identifiers. */
export class CsvError extends InvalidInputError {
  /** 1-based line number in the CSV file, when known. */
  public readonly row: number | undefined;
  public readonly column: string | undefined;

  public constructor(
    message: string,
    details: { source?: string; row?: number; column?: string } = {},
    options?: ErrorOptions,
  ) {
    super(message, { source: details.source, field: details.column }, options);
    this.name = 'CsvError';
    this.row = details.row;
    this.column = details.column;
  }
}

/** The source listing cannot be turned into items (e.g. two folders with one identifier). */
export class PlanError extends InvalidInputError {
  public constructor(message: string, details: { source?: string; field?: string } = {}, options?: ErrorOptions) {
    super(message, details, options);
    this.name = 'PlanError';
  }
}

/** A storage operation failed. `transient` tells a caller whether retrying may succeed. */
export class StorageError extends IiifBatchError {
  public readonly bucket: string;
  public readonly key: string;
  public readonly transient: boolean;

  public constructor(
    message: string,
    details: { bucket: string; key: string; transient?: boolean },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StorageError';
    this.bucket = details.bucket;
    this.key = details.key;
    this.transient = details.transient ?? false;
  }
}

/**
 * The machine failed the work, not its input: a working disk is full (ENOSPC, a quota). The image is
 * not to blame; a retry (later, or on another machine) may succeed.
 */
export class InfrastructureError extends IiifBatchError {
  public readonly transient = true;

  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InfrastructureError';
  }
}

/** A read of an object that does not exist. */
export class NotFoundError extends StorageError {
  public constructor(bucket: string, key: string, options?: ErrorOptions) {
    super(`No object at s3://${bucket}/${key}`, { bucket, key, transient: false }, options);
    this.name = 'NotFoundError';
  }
}

/**
 * A read that named a version of an object the store no longer holds as asked: the ETag given as
 * a condition (S3 `If-Match`) is no longer the object's, i.e. the object was overwritten since.
 */
export class VersionMismatchError extends StorageError {
  /** The version the caller asked for (ETag or version id). */
  public readonly expected: string;

  public constructor(bucket: string, key: string, expected: string, options?: ErrorOptions) {
    super(
      `s3://${bucket}/${key} changed: it no longer has version ${expected} (overwritten since)`,
      { bucket, key, transient: false },
      options,
    );
    this.name = 'VersionMismatchError';
    this.expected = expected;
  }
}

/** The store refused access to a bucket or key (S3 AccessDenied, HTTP 403). Never transient. */
export class AccessDeniedError extends StorageError {
  public constructor(message: string, details: { bucket: string; key: string }, options?: ErrorOptions) {
    super(message, { ...details, transient: false }, options);
    this.name = 'AccessDeniedError';
  }
}

/** A run's records are missing or inconsistent (unknown run id, absent plan). */
export class RunRecordError extends IiifBatchError {
  public readonly runId: string;

  public constructor(message: string, runId: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RunRecordError';
    this.runId = runId;
  }
}

/** Environment for an entry point is missing or malformed (names the variable). */
export class ConfigError extends InvalidInputError {
  public constructor(message: string, variable: string, options?: ErrorOptions) {
    super(message, { field: variable }, options);
    this.name = 'ConfigError';
  }
}

/** A message for any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The run that holds a collection's lease, as a refusal names it. */
export interface LeaseHolder {
  readonly runId: string;
  readonly generation: number;
  readonly acquiredAt: string;
  /** Which step of that run took it (`run`, `submitter`, `resubmit`, …). */
  readonly by: string;
  /** Its latest sign of life, and until when the lease is live without another. */
  readonly lastSign: string;
  readonly expiresAt: string;
}

/**
 * Another run is publishing the same collection (its lease is live): this run must not start,
 * since each would delete the other's tiles. Nothing was changed. Exit status 2, as for input that
 * cannot run as given; in the cloud the task is rejected (`error.json`).
 */
export class LeaseHeldError extends InvalidInputError {
  /** The collection: `{destBucket}/{DEST_PREFIX}/{COLLECTION_IDENTIFIER}`. */
  public readonly collection: string;
  public readonly holder: LeaseHolder;

  public constructor(message: string, details: { collection: string; holder: LeaseHolder }, options?: ErrorOptions) {
    super(message, { source: details.collection, field: 'COLLECTION_IDENTIFIER' }, options);
    this.name = 'LeaseHeldError';
    this.collection = details.collection;
    this.holder = details.holder;
  }
}

/**
 * A job's run lost its collection's lease to another run (it had shown no sign of life for the
 * lease's time to live, or its process was gone): the job stops before changing anything more.
 * Exit status 2: Batch does not retry it. The run can be completed with `iiif-batch resubmit` once
 * the other run has finished.
 */
export class LeaseLostError extends InvalidInputError {
  public readonly collection: string;
  /** The run that holds the lease now, when one does. */
  public readonly holder: LeaseHolder | undefined;

  public constructor(message: string, details: { collection: string; holder?: LeaseHolder }, options?: ErrorOptions) {
    super(message, { source: details.collection, field: 'COLLECTION_IDENTIFIER' }, options);
    this.name = 'LeaseLostError';
    this.collection = details.collection;
    this.holder = details.holder;
  }
}
