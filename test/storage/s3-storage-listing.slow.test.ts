import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/aws/s3-client.js';
import { S3Storage } from '../../src/storage/s3-storage.js';
import { forEachLimited } from '../../src/util/for-each-limited.js';
import { type LocalAws, startLocalAws } from '../helpers/local-aws.js';

/** S3Storage listing thousands of keys on fauxqs (seconds of uploads: the full tier). */
describe('S3Storage against a local S3 emulator, many keys', () => {
  let server: LocalAws;
  let client: S3Client;
  const bucket = 'iiif-test';

  beforeAll(async () => {
    server = await startLocalAws();
    client = createS3Client({ s3ForcePathStyle: true }, { ...server.clientConfig, maxAttempts: 1 });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  it('lists thousands of keys across pages, in key order, within the prefix', async () => {
    // Prepare
    const paged = new S3Storage(client, { listPageSize: 100 });
    const keys = Array.from(
      { length: 2500 },
      (_, index) => `big/Box${String(index % 25).padStart(2, '0')}/Access/${String(index).padStart(5, '0')}.tif`,
    );
    await forEachLimited(keys, 32, async (key) => paged.put(bucket, key, 'x'));
    await paged.put(bucket, 'bigger/outside.tif', 'x');
    await paged.put(bucket, 'bi/outside.tif', 'x');

    // Act
    const listed: string[] = [];
    for await (const object of paged.list(bucket, 'big/')) listed.push(object.key);

    // Assess
    expect(listed).toHaveLength(2500);
    expect(listed).toEqual([...keys].sort());
    expect(new Set(listed).size).toBe(2500);
  });
});
