import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/aws/s3-client.js';
import { readAwsClientConfig } from '../../src/config.js';
import { NotFoundError, StorageError } from '../../src/errors.js';
import { createS3Storage, S3Storage } from '../../src/storage/s3-storage.js';
import { forEachLimited } from '../../src/util/for-each-limited.js';
import { type LocalAws, startLocalAws } from '../helpers/local-aws.js';

/**
 * S3Storage against fauxqs, a local S3 emulator speaking the real protocol on 127.0.0.1.
 * (Conditional creates are unit-tested with a mocked client: emulators ignore IfNoneMatch.)
 */
describe('S3Storage against a local S3 emulator', () => {
  let server: LocalAws;
  let client: S3Client;
  let storage: S3Storage;
  const bucket = 'iiif-test';

  beforeAll(async () => {
    server = await startLocalAws();
    client = createS3Client({ s3ForcePathStyle: true }, { ...server.clientConfig, maxAttempts: 1 });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    storage = new S3Storage(client);
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  afterEach(async () => {
    // Empty the bucket between tests.
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const objects = (page.Contents ?? []).map((object) => ({ Key: object.Key }));
      if (objects.length === 0) break;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
    }
  });

  it('writes with content type and cache control, and reads back', async () => {
    // Prepare
    const body = JSON.stringify({ id: 'https://example.org/iiif/a', type: 'ImageService3' });

    // Act
    await storage.put(bucket, 'a/info.json', body, {
      contentType: 'application/ld+json',
      cacheControl: 'public, max-age=300',
    });
    const bytes = await storage.getBytes(bucket, 'a/info.json');
    const raw = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a/info.json' }));
    const info = await storage.head(bucket, 'a/info.json');

    // Assess
    expect(bytes.toString('utf8')).toBe(body);
    expect(raw.ContentType).toBe('application/ld+json');
    expect(raw.CacheControl).toBe('public, max-age=300');
    expect(info?.key).toBe('a/info.json');
    expect(info?.size).toBe(Buffer.byteLength(body));
    expect(info?.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(info?.lastModified).toBeInstanceOf(Date);
  });

  it('streams a read as a Node Readable', async () => {
    // Prepare
    const content = Buffer.alloc(3 * 1024 * 1024);
    for (let index = 0; index < content.length; index++) content[index] = (index * 31) % 251;
    await storage.put(bucket, 'scans/page.tif', content, { contentType: 'image/tiff' });

    // Act
    const stream = await storage.getStream(bucket, 'scans/page.tif');
    const chunks: Buffer[] = [];
    await pipeline(stream, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    });

    // Assess
    expect(stream).toBeInstanceOf(Readable);
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
  });

  it('lists the folders one level below a prefix, across pages, without the objects under them', async () => {
    // Prepare: 25 folders of two objects each, a file beside them, and a look-alike outside.
    const paged = new S3Storage(client, { listPageSize: 10 });
    const keys = Array.from(
      { length: 50 },
      (_, index) => `big/Box${String(index % 25).padStart(2, '0')}/p${index}.tif`,
    );
    await forEachLimited([...keys, 'big/collection.json', 'bigger/Box99/x.tif'], 16, async (key) =>
      paged.put(bucket, key, 'x'),
    );

    // Act
    const folders: string[] = [];
    for await (const folder of paged.listFolders(bucket, 'big/')) folders.push(folder);

    // Assess
    expect(folders).toEqual(Array.from({ length: 25 }, (_, index) => `big/Box${String(index).padStart(2, '0')}/`));
  });

  it('creates an object once: a later putIfAbsent finds it and writes nothing', async () => {
    // Act
    const first = await storage.putIfAbsent(bucket, 'runs/r1/run.json', '{"n":1}', { contentType: 'application/json' });
    const second = await storage.putIfAbsent(bucket, 'runs/r1/run.json', '{"n":2}');

    // Assess
    expect(first).toBe(true);
    expect(second).toBe(false);
    expect((await storage.getBytes(bucket, 'runs/r1/run.json')).toString()).toBe('{"n":1}');
  });

  it('reports a missing object as absent or NotFoundError, and deletes idempotently', async () => {
    // Prepare
    await storage.put(bucket, 'gone.json', '{}');
    await storage.delete(bucket, 'gone.json');

    // Act / Assess
    expect(await storage.head(bucket, 'gone.json')).toBeUndefined();
    await expect(storage.getStream(bucket, 'gone.json')).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.getBytes(bucket, 'gone.json')).rejects.toThrow('No object at s3://iiif-test/gone.json');
    await expect(storage.delete(bucket, 'gone.json')).resolves.toBeUndefined();
    const listed: string[] = [];
    for await (const object of storage.list(bucket, 'nothing/')) listed.push(object.key);
    expect(listed).toEqual([]);
  });

  it('names a missing bucket in a permanent StorageError', async () => {
    // Act
    const error = await (async () => {
      for await (const _object of storage.list('no-such-bucket', 'a/')) {
        // nothing
      }
    })().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(StorageError);
    expect(error).not.toBeInstanceOf(NotFoundError);
    expect((error as StorageError).transient).toBe(false);
    expect((error as Error).message).toContain('s3://no-such-bucket/a/');
    expect((error as Error).message).toContain('no bucket named no-such-bucket');
  });

  it('is configured from the standard environment: AWS_ENDPOINT_URL_S3 and S3_FORCE_PATH_STYLE', async () => {
    // Prepare
    const names = [
      'AWS_ENDPOINT_URL_S3',
      'S3_FORCE_PATH_STYLE',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ] as const;
    const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: server.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    try {
      const fromEnv = createS3Storage(readAwsClientConfig(process.env));

      // Act
      await fromEnv.put(bucket, 'env/hello.txt', 'through the environment');

      // Assess
      expect((await storage.getBytes(bucket, 'env/hello.txt')).toString()).toBe('through the environment');
    } finally {
      for (const name of names) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });
});
