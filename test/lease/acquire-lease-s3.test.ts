import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseHeldError } from '../../src/errors.js';
import { acquireLease } from '../../src/lease/acquire-lease.js';
import type { LeaseRecord } from '../../src/lease/lease-records.js';
import { RunStore } from '../../src/run/run-store.js';
import { S3Storage } from '../../src/storage/s3-storage.js';

/** An error shaped as the SDK throws it after its own retries. */
function awsError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

const SCOPE = { destBucket: 'img-pub', collectionKey: 'pub/Coll' };
const RECORD_KEY = 'state/leases/img-pub/pub/Coll/0000000001.json';

/**
 * The lease over S3, where two submitters can pass the HEAD check of a conditional create at once
 * and S3 decides with 412 PreconditionFailed. Emulators ignore `If-None-Match`, so S3 is a mocked
 * client over an in-memory bucket that honours it.
 */
describe('Function: acquireLease (S3)', () => {
  const s3 = mockClient(S3Client);
  // Without test isolation (vitest.config.ts) the next file in this worker gets the real client.
  afterAll(() => s3.restore());
  const objects = new Map<string, string>();
  /** Written by "another submitter" between this one's HEAD and its conditional PUT of that key. */
  let rival: { key: string; body: string } | undefined;

  beforeEach(() => {
    s3.reset();
    objects.clear();
    rival = undefined;
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => ({
      Contents: [...objects.keys()]
        .filter((key) => key.startsWith(input.Prefix ?? ''))
        .sort()
        .map((key) => ({ Key: key, Size: objects.get(key)?.length ?? 0, ETag: '"e"', LastModified: new Date() })),
    }));
    s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
      const body = objects.get(input.Key);
      if (body === undefined) throw awsError('NotFound', 404);
      return { ContentLength: body.length, ETag: '"e"' };
    });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const body = objects.get(input.Key);
      if (body === undefined) throw awsError('NoSuchKey', 404);
      return { Body: Readable.from([Buffer.from(body)]) };
    });
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string; IfNoneMatch?: string }) => {
      if (input.IfNoneMatch === '*' && rival?.key === input.Key) {
        objects.set(rival.key, rival.body);
        rival = undefined;
      }
      if (input.IfNoneMatch === '*' && objects.has(input.Key)) throw awsError('PreconditionFailed', 412);
      objects.set(input.Key, String(input.Body));
      return { ETag: '"e"' };
    });
    s3.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
      objects.delete(input.Key);
      return {};
    });
  });

  afterEach(() => {
    s3.reset();
  });

  const runStore = (): RunStore =>
    new RunStore(new S3Storage(new S3Client({ region: 'us-east-1' }), { conflictDelayMs: 0 }), {
      bucket: 'tasks',
      prefix: 'state',
    });

  it('creates the generation with IfNoneMatch "*"', async () => {
    // Act
    const lease = await acquireLease({ runStore: runStore() }, { scope: SCOPE, runId: 'run-a', by: 'submitter' });

    // Assess
    expect(lease.record.generation).toBe(1);
    const create = s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key === RECORD_KEY);
    expect(create?.args[0].input).toMatchObject({ Bucket: 'tasks', Key: RECORD_KEY, IfNoneMatch: '*' });
  });

  it('refuses the run that S3 answers 412 (another submitter created the generation first), naming the winner', async () => {
    // Prepare: the other submitter's record lands between this one's HEAD and its PUT.
    const winner: LeaseRecord = {
      runId: 'run-winner',
      generation: 1,
      collection: 'img-pub/pub/Coll',
      acquiredAt: new Date().toISOString(),
      ttlSeconds: 1800,
      by: 'submitter',
    };
    rival = { key: RECORD_KEY, body: JSON.stringify(winner) };

    // Act
    const error = await acquireLease(
      { runStore: runStore() },
      { scope: SCOPE, runId: 'run-late', by: 'submitter' },
    ).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect((error as LeaseHeldError).holder.runId).toBe('run-winner');
    const conditional = s3.commandCalls(PutObjectCommand).filter((call) => call.args[0].input.IfNoneMatch === '*');
    expect(conditional).toHaveLength(1);
    // Nothing of the loser was written: no heartbeat, no record.
    expect([...objects.keys()]).toEqual([RECORD_KEY]);
    expect(JSON.parse(objects.get(RECORD_KEY) ?? '{}').runId).toBe('run-winner');
  });
});
