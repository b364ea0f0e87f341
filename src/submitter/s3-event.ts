import { InvalidInputError } from '../errors.js';

/** One object named by an S3 event notification, its key decoded. */
export interface S3ObjectEvent {
  readonly kind: 'object';
  /** e.g. `ObjectCreated:Put`. */
  readonly eventName: string;
  readonly bucket: string;
  /** The decoded key (`+` → space, percent-escapes → UTF-8 text). */
  readonly key: string;
  /** Present when the bucket is versioned. */
  readonly versionId: string | undefined;
  readonly etag: string | undefined;
  readonly size: number | undefined;
}

/** The message S3 sends once when a notification is configured: nothing to do. */
export interface S3TestEvent {
  readonly kind: 'test';
  readonly bucket: string | undefined;
}

export type S3Event = S3ObjectEvent | S3TestEvent;

/**
 * The events in the body of one SQS message: an S3 event notification (`{"Records": [...]}`),
 * S3's `s3:TestEvent`, or either wrapped in an SNS notification (`{"Type": "Notification",
 * "Message": "..."}`) for deployments that fan out through a topic.
 *
 * @param source names the message in errors (e.g. `SQS message 0b1c…`)
 * @throws InvalidInputError when the body is not such a message (it can never succeed)
 */
export function parseS3Events(body: string, source: string): S3Event[] {
  const document = parseJson(body, source);
  if (document.Type === 'Notification' && typeof document.Message === 'string') {
    return parseS3Events(document.Message, source);
  }
  if (document.Event === 's3:TestEvent') {
    return [{ kind: 'test', bucket: typeof document.Bucket === 'string' ? document.Bucket : undefined }];
  }
  const records = document.Records;
  if (!Array.isArray(records)) {
    throw new InvalidInputError(
      `${source}: expected an S3 event notification with a Records array but received ${describe(document)}`,
      { source, field: 'Records' },
    );
  }
  return records.map((record, index) => parseRecord(record, `${source} Records[${index}]`));
}

function parseRecord(record: unknown, where: string): S3ObjectEvent {
  const fail = (field: string, expected: string): never => {
    throw new InvalidInputError(`${where}: expected ${expected} for ${field}`, { source: where, field });
  };
  if (!isObject(record)) return fail('the record', 'an object');
  const eventName = typeof record.eventName === 'string' ? record.eventName : fail('eventName', 'a string');
  const s3 = isObject(record.s3) ? record.s3 : fail('s3', 'an object');
  const bucket = isObject(s3.bucket) && typeof s3.bucket.name === 'string' ? s3.bucket.name : undefined;
  if (bucket === undefined || bucket === '') return fail('s3.bucket.name', 'a bucket name');
  const object = isObject(s3.object) ? s3.object : fail('s3.object', 'an object');
  if (typeof object.key !== 'string' || object.key === '') return fail('s3.object.key', 'a key');
  return {
    kind: 'object',
    eventName,
    bucket,
    key: decodeEventKey(object.key, where),
    versionId: nonEmptyString(object.versionId),
    etag: nonEmptyString(object.eTag),
    size: typeof object.size === 'number' && Number.isFinite(object.size) ? object.size : undefined,
  };
}

/**
 * Decode a key as S3 writes it in event notifications: form-URL-encoded, so `+` is a space, a
 * literal `+` is `%2B`, and other characters are percent-escaped UTF-8.
 */
export function decodeEventKey(key: string, where = 'S3 event'): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch (error) {
    throw new InvalidInputError(
      `${where}: the object key "${key}" is not valid URL encoding`,
      {
        source: where,
        field: 's3.object.key',
      },
      { cause: error },
    );
  }
}

function parseJson(body: string, source: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    throw new InvalidInputError(
      `${source}: expected a JSON S3 event notification but the body is not JSON (${error instanceof Error ? error.message : String(error)})`,
      { source },
      { cause: error },
    );
  }
  if (!isObject(document)) {
    throw new InvalidInputError(`${source}: expected a JSON object but received ${describe(document)}`, { source });
  }
  return document;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (isObject(value)) {
    const keys = Object.keys(value).slice(0, 5);
    return keys.length === 0 ? 'an empty object' : `an object with ${keys.join(', ')}`;
  }
  return typeof value;
}
