import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client } from '../aws/s3-client.js';
import type { AwsClientConfig } from '../config.js';
import { AccessDeniedError, errorMessage, NotFoundError, StorageError, VersionMismatchError } from '../errors.js';
import type { Body, ObjectInfo, PutOptions, ReadVersion, Storage } from './storage.js';

export interface S3StorageOptions {
  /** Keys per ListObjectsV2 page (1..1000, default 1000; smaller only to exercise pagination). */
  readonly listPageSize?: number;
  /**
   * How often a conditional create is retried after S3 answers 409 ConditionalRequestConflict (a
   * concurrent conditional write to the same key was in flight). Default 4.
   */
  readonly conflictRetries?: number;
  /** First delay before such a retry, doubled each time. Default 200 ms. */
  readonly conflictDelayMs?: number;
}

/**
 * Storage on Amazon S3 or an S3-compatible store. Retries of throttling and 5xx answers are the
 * SDK's own (standard retry mode); what still fails afterwards becomes a `StorageError` whose
 * `transient` flag says whether a later retry (e.g. an SQS redelivery) may succeed.
 */
export class S3Storage implements Storage {
  private readonly client: S3Client;
  private readonly listPageSize: number;
  private readonly conflictRetries: number;
  private readonly conflictDelayMs: number;

  public constructor(client: S3Client, options: S3StorageOptions = {}) {
    this.client = client;
    this.listPageSize = checkInteger(options.listPageSize ?? 1000, 1, 1000, 'listPageSize');
    this.conflictRetries = checkInteger(options.conflictRetries ?? 4, 0, 100, 'conflictRetries');
    this.conflictDelayMs = checkInteger(options.conflictDelayMs ?? 200, 0, 60_000, 'conflictDelayMs');
  }

  public describe(bucket: string, key: string): string {
    return `s3://${bucket}/${key}`;
  }

  public async *list(bucket: string, prefix: string): AsyncIterable<ObjectInfo> {
    for await (const page of this.listPages(bucket, prefix, undefined)) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield {
          key: object.Key,
          size: object.Size ?? 0,
          etag: cleanEtag(object.ETag),
          lastModified: object.LastModified ?? new Date(0),
        };
      }
    }
  }

  public async *listFolders(bucket: string, prefix: string): AsyncIterable<string> {
    for await (const page of this.listPages(bucket, prefix, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix !== undefined) yield common.Prefix;
      }
    }
  }

  /** Every ListObjectsV2 page under `prefix`, following continuation tokens. */
  private async *listPages(
    bucket: string,
    prefix: string,
    delimiter: string | undefined,
  ): AsyncIterable<ListObjectsV2CommandOutput> {
    let continuationToken: string | undefined;
    do {
      const page = await this.send(
        () =>
          this.client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              Delimiter: delimiter,
              MaxKeys: this.listPageSize,
              ContinuationToken: continuationToken,
            }),
          ),
        bucket,
        prefix,
        'list',
      );
      yield page;
      continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      if (page.IsTruncated === true && continuationToken === undefined) {
        throw new StorageError(
          `Listing s3://${bucket}/${prefix} was truncated but the store sent no continuation token`,
          { bucket, key: prefix },
        );
      }
    } while (continuationToken !== undefined);
  }

  public async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const answer = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        key,
        size: answer.ContentLength ?? 0,
        etag: cleanEtag(answer.ETag),
        lastModified: answer.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toStorageError(error, bucket, key, 'head');
    }
  }

  /**
   * GetObject, of `version.versionId` (`VersionId`) or conditional on `version.etag` (`If-Match`,
   * which S3 answers with 412 PreconditionFailed once the key was overwritten: `VersionMismatchError`).
   */
  public async getStream(bucket: string, key: string, version: ReadVersion = {}): Promise<Readable> {
    const condition =
      version.versionId !== undefined
        ? { VersionId: version.versionId }
        : version.etag !== undefined
          ? { IfMatch: `"${cleanEtag(version.etag)}"` }
          : {};
    let answer: GetObjectCommandOutput;
    try {
      answer = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...condition }));
    } catch (error) {
      if (version.versionId === undefined && version.etag !== undefined && isPreconditionFailed(error)) {
        throw new VersionMismatchError(bucket, key, cleanEtag(version.etag), { cause: error });
      }
      throw toStorageError(error, bucket, key, 'read');
    }
    const body = answer.Body;
    if (body instanceof Readable) return body;
    if (body !== undefined && typeof (body as { transformToWebStream?: unknown }).transformToWebStream === 'function') {
      const web = (body as { transformToWebStream(): ReadableStream }).transformToWebStream();
      return Readable.fromWeb(web as import('node:stream/web').ReadableStream);
    }
    throw new StorageError(`Reading s3://${bucket}/${key} returned no body`, { bucket, key, transient: true });
  }

  public async getBytes(bucket: string, key: string, version?: ReadVersion): Promise<Buffer> {
    const stream = await this.getStream(bucket, key, version);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    } catch (error) {
      throw toStorageError(error, bucket, key, 'read');
    }
    return Buffer.concat(chunks);
  }

  public async getRange(bucket: string, key: string, start: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    const range = `bytes=${start}-${start + length - 1}`;
    const answer = await this.send(
      () => this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range })),
      bucket,
      key,
      'read',
    );
    const body = answer.Body;
    if (body === undefined) {
      throw new StorageError(`Reading s3://${bucket}/${key} returned no body`, { bucket, key, transient: true });
    }
    try {
      return Buffer.from(await body.transformToByteArray());
    } catch (error) {
      throw toStorageError(error, bucket, key, 'read');
    }
  }

  public async put(bucket: string, key: string, body: Body, options: PutOptions = {}): Promise<void> {
    await this.send(
      () => this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...putHeaders(options) })),
      bucket,
      key,
      'write',
    );
  }

  /**
   * `PutObject` with `IfNoneMatch: '*'`. 412 PreconditionFailed means an object exists: `false`.
   * 409 ConditionalRequestConflict means another conditional write to the key was in flight; it is
   * retried (with backoff) until S3 gives a definite answer: 200 (created) or 412 (the other writer
   * won).
   *
   * A HEAD request first answers the common case (a redelivered message, long after the first
   * create) without a write, and keeps that case correct on S3-compatible stores and emulators that
   * ignore `If-None-Match`; only the conditional PUT closes the race between concurrent creators.
   */
  public async putIfAbsent(bucket: string, key: string, body: Body, options: PutOptions = {}): Promise<boolean> {
    if ((await this.head(bucket, key)) !== undefined) return false;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*', ...putHeaders(options) }),
        );
        return true;
      } catch (error) {
        if (isPreconditionFailed(error)) return false;
        if (isConditionalConflict(error) && attempt < this.conflictRetries) {
          await sleep(this.conflictDelayMs * 2 ** attempt);
          continue;
        }
        throw toStorageError(error, bucket, key, 'create');
      }
    }
  }

  public async delete(bucket: string, key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw toStorageError(error, bucket, key, 'delete');
    }
  }

  /** Runs one SDK call, turning its failure into a `StorageError` (a missing object: `NotFoundError`). */
  private async send<T>(call: () => Promise<T>, bucket: string, key: string, operation: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toStorageError(error, bucket, key, operation);
    }
  }
}

/** The S3 storage of an entry point (`config` from `readAwsClientConfig`). */
export function createS3Storage(config: AwsClientConfig): Storage {
  return new S3Storage(createS3Client(config));
}

function putHeaders(options: PutOptions): { ContentType?: string; CacheControl?: string } {
  return {
    ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
    ...(options.cacheControl === undefined ? {} : { CacheControl: options.cacheControl }),
  };
}

interface AwsErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

function shape(error: unknown): AwsErrorShape {
  return typeof error === 'object' && error !== null ? (error as AwsErrorShape) : {};
}

function statusOf(error: unknown): number | undefined {
  return shape(error).$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = shape(error).name;
  return (
    name === 'NoSuchKey' ||
    name === 'NoSuchVersion' ||
    name === 'NotFound' ||
    (statusOf(error) === 404 && name !== 'NoSuchBucket')
  );
}

function isPreconditionFailed(error: unknown): boolean {
  return shape(error).name === 'PreconditionFailed' || statusOf(error) === 412;
}

function isConditionalConflict(error: unknown): boolean {
  return shape(error).name === 'ConditionalRequestConflict' || statusOf(error) === 409;
}

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'ConditionalRequestConflict',
  'TimeoutError',
]);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** Whether a failed AWS call may succeed when tried again later (throttling, 5xx, network). */
export function isTransientAwsError(error: unknown): boolean {
  const { name, code, $retryable } = shape(error);
  const status = statusOf(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if ($retryable !== undefined) return true;
  if (name !== undefined && TRANSIENT_NAMES.has(name)) return true;
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  return false;
}

function toStorageError(error: unknown, bucket: string, key: string, operation: string): StorageError {
  if (error instanceof StorageError) return error;
  if (operation === 'read' && isNotFound(error)) return new NotFoundError(bucket, key, { cause: error });
  const { name } = shape(error);
  const status = statusOf(error);
  const where = `s3://${bucket}/${key}`;
  const what = `${name ?? 'Error'}${status === undefined ? '' : ` (HTTP ${status})`}: ${errorMessage(error)}`;
  if (name === 'AccessDenied' || status === 403) {
    return new AccessDeniedError(
      `S3 ${operation} of ${where} failed: ${what} (the role lacks permission for this bucket or key)`,
      { bucket, key },
      { cause: error },
    );
  }
  const hint = name === 'NoSuchBucket' ? ` (no bucket named ${bucket})` : '';
  return new StorageError(
    `S3 ${operation} of ${where} failed: ${what}${hint}`,
    {
      bucket,
      key,
      transient: isTransientAwsError(error),
    },
    { cause: error },
  );
}

function cleanEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');
}

function checkInteger(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Expected integer between ${min} and ${max} for ${name} but received ${value}`);
  }
  return value;
}
