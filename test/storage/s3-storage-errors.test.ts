import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedError, NotFoundError, StorageError, VersionMismatchError } from '../../src/errors.js';
import { isTransientAwsError, S3Storage } from '../../src/storage/s3-storage.js';

/** An error shaped as the SDK throws it after its own retries. */
function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/**
 * The S3 adapter's handling of answers an emulator cannot produce (conditional-create conflicts,
 * throttling, permissions), with a mocked S3 client.
 */
describe('S3Storage error handling', () => {
  const s3 = mockClient(S3Client);
  // Without test isolation (vitest.config.ts) the next file in this worker gets the real client.
  afterAll(() => s3.restore());
  const storage = new S3Storage(new S3Client({ region: 'us-east-1' }), { conflictDelayMs: 0 });

  beforeEach(() => {
    s3.reset();
  });
  afterEach(() => {
    s3.reset();
  });

  describe('putIfAbsent', () => {
    beforeEach(() => {
      s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    });

    it('creates with IfNoneMatch "*" and the content headers', async () => {
      // Prepare
      s3.on(PutObjectCommand).resolves({ ETag: '"e"' });

      // Act
      const created = await storage.putIfAbsent('state', 'runs/r1/run.json', '{"runId":"r1"}', {
        contentType: 'application/json',
        cacheControl: 'no-cache',
      });

      // Assess
      expect(created).toBe(true);
      expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: 'state',
        Key: 'runs/r1/run.json',
        Body: '{"runId":"r1"}',
        IfNoneMatch: '*',
        ContentType: 'application/json',
        CacheControl: 'no-cache',
      });
    });

    it('returns false without writing when the object is already there', async () => {
      // Prepare
      s3.on(HeadObjectCommand).resolves({ ContentLength: 2, ETag: '"e"' });

      // Act / Assess
      expect(await storage.putIfAbsent('state', 'runs/r1/run.json', '{}')).toBe(false);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    });

    it('returns false on 412 PreconditionFailed (created by someone else since the check)', async () => {
      // Prepare
      s3.on(PutObjectCommand).rejects(
        awsError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold'),
      );

      // Act / Assess
      expect(await storage.putIfAbsent('state', 'runs/r1/run.json', '{}')).toBe(false);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    });

    it('retries 409 ConditionalRequestConflict until S3 decides', async () => {
      // Prepare
      s3.on(PutObjectCommand)
        .rejectsOnce(awsError('ConditionalRequestConflict', 409))
        .rejectsOnce(awsError('ConditionalRequestConflict', 409))
        .rejectsOnce(awsError('PreconditionFailed', 412));

      // Act
      const created = await storage.putIfAbsent('state', 'runs/r1/run.json', Buffer.from('{}'));

      // Assess
      expect(created).toBe(false);
      const calls = s3.commandCalls(PutObjectCommand);
      expect(calls).toHaveLength(3);
      // Every retry sends the same bytes.
      for (const call of calls) expect(Buffer.from(call.args[0].input.Body as Buffer).toString()).toBe('{}');
    });

    it('creates after a conflict that clears', async () => {
      // Prepare
      s3.on(PutObjectCommand).rejectsOnce(awsError('ConditionalRequestConflict', 409)).resolves({});

      // Act / Assess
      expect(await storage.putIfAbsent('state', 'k', 'v')).toBe(true);
    });

    it('gives up on a conflict that persists with a transient StorageError', async () => {
      // Prepare
      s3.on(PutObjectCommand).rejects(awsError('ConditionalRequestConflict', 409));

      // Act
      const error = await storage.putIfAbsent('state', 'k', 'v').catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).transient).toBe(true);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(5);
    });
  });

  it('maps NoSuchKey on a read to NotFoundError and NotFound on head to undefined', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404, 'The specified key does not exist.'));
    s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));

    // Act / Assess
    await expect(storage.getBytes('src', 'a.tif')).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.getStream('src', 'a.tif')).rejects.toThrow('No object at s3://src/a.tif');
    expect(await storage.head('src', 'a.tif')).toBeUndefined();
  });

  it('marks throttling and 5xx as transient, permission problems as permanent', async () => {
    // Prepare
    s3.on(GetObjectCommand, { Key: 'slow' }).rejects(awsError('SlowDown', 503, 'Please reduce your request rate.'));
    s3.on(GetObjectCommand, { Key: 'broken' }).rejects(awsError('InternalError', 500));
    s3.on(GetObjectCommand, { Key: 'secret' }).rejects(awsError('AccessDenied', 403, 'Access Denied'));

    // Act
    const slow = await storage.getBytes('src', 'slow').catch((caught: unknown) => caught);
    const broken = await storage.getBytes('src', 'broken').catch((caught: unknown) => caught);
    const secret = await storage.getBytes('src', 'secret').catch((caught: unknown) => caught);

    // Assess
    expect(slow).toBeInstanceOf(StorageError);
    expect((slow as StorageError).transient).toBe(true);
    expect((slow as Error).message).toBe(
      'S3 read of s3://src/slow failed: SlowDown (HTTP 503): Please reduce your request rate.',
    );
    expect((broken as StorageError).transient).toBe(true);
    expect((secret as StorageError).transient).toBe(false);
    expect(secret).toBeInstanceOf(AccessDeniedError);
    expect((secret as Error).message).toContain('the role lacks permission for this bucket or key');
  });

  describe('reading one version', () => {
    it('asks for exactly the version id, which S3 keeps after the key was overwritten', async () => {
      // Prepare: version v1 holds A; the key now holds B.
      s3.on(GetObjectCommand).resolves({ Body: Readable.from([Buffer.from('B')]) as never });
      s3.on(GetObjectCommand, { Bucket: 'tasks', Key: 't.json', VersionId: 'v1' }).resolves({
        Body: Readable.from([Buffer.from('A')]) as never,
      });

      // Act
      const old = await storage.getBytes('tasks', 't.json', { versionId: 'v1', etag: 'ignored' });
      const current = await storage.getBytes('tasks', 't.json');

      // Assess: the version id decides; no If-Match is sent with it.
      expect(old.toString()).toBe('A');
      expect(current.toString()).toBe('B');
      const inputs = s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input);
      expect(inputs[0]).toEqual({ Bucket: 'tasks', Key: 't.json', VersionId: 'v1' });
      expect(inputs[1]).toEqual({ Bucket: 'tasks', Key: 't.json' });
    });

    it('reads on an ETag with If-Match, and turns 412 into VersionMismatchError', async () => {
      // Prepare
      s3.on(GetObjectCommand, { IfMatch: '"abc"' }).resolves({ Body: Readable.from([Buffer.from('A')]) as never });
      s3.on(GetObjectCommand, { IfMatch: '"old"' }).rejects(
        awsError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold'),
      );

      // Act
      const same = await storage.getBytes('tasks', 't.json', { etag: 'abc' });
      const changed = await storage.getBytes('tasks', 't.json', { etag: '"old"' }).catch((caught: unknown) => caught);

      // Assess: the ETag is sent quoted, whether given quoted or not.
      expect(same.toString()).toBe('A');
      expect(changed).toBeInstanceOf(VersionMismatchError);
      expect((changed as VersionMismatchError).expected).toBe('old');
      expect((changed as StorageError).transient).toBe(false);
      expect((changed as Error).message).toBe(
        's3://tasks/t.json changed: it no longer has version old (overwritten since)',
      );
    });

    it('reports a version S3 no longer has (expired, deleted) as not found', async () => {
      // Prepare
      s3.on(GetObjectCommand).rejects(awsError('NoSuchVersion', 404, 'The specified version does not exist.'));

      // Act / Assess
      await expect(storage.getBytes('tasks', 't.json', { versionId: 'gone' })).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  it('recognises network failures as transient', () => {
    // Act / Assess
    expect(isTransientAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientAwsError(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
    expect(isTransientAwsError(awsError('InvalidBucketName', 400))).toBe(false);
  });

  it('follows continuation tokens and refuses a truncated page without one', async () => {
    // Prepare
    const when = new Date('2025-01-01T00:00:00Z');
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      IsTruncated: true,
      NextContinuationToken: 't1',
      Contents: [{ Key: 'p/a', Size: 1, ETag: '"a"', LastModified: when }],
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 't1' }).resolves({
      IsTruncated: false,
      Contents: [{ Key: 'p/b', Size: 2, ETag: '"b"', LastModified: when }],
    });

    // Act
    const listed = [];
    for await (const object of storage.list('src', 'p/')) listed.push(object);

    // Assess
    expect(listed).toEqual([
      { key: 'p/a', size: 1, etag: 'a', lastModified: when },
      { key: 'p/b', size: 2, etag: 'b', lastModified: when },
    ]);
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'src', Prefix: 'p/', MaxKeys: 1000, ContinuationToken: undefined },
      { Bucket: 'src', Prefix: 'p/', MaxKeys: 1000, ContinuationToken: 't1' },
    ]);

    // Prepare (a store that breaks the protocol)
    s3.reset();
    s3.on(ListObjectsV2Command).resolves({ IsTruncated: true, Contents: [] });

    // Act
    const error = await (async () => {
      for await (const _object of storage.list('src', 'p/')) {
        // nothing
      }
    })().catch((caught: unknown) => caught);

    // Assess
    expect((error as Error).message).toBe('Listing s3://src/p/ was truncated but the store sent no continuation token');
  });

  it('validates its options', () => {
    // Act / Assess
    expect(() => new S3Storage(new S3Client({ region: 'us-east-1' }), { listPageSize: 0 })).toThrow(
      'Expected integer between 1 and 1000 for listPageSize but received 0',
    );
  });
});
