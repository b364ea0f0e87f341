import { describe, expect, it } from 'vitest';
import { readAwsClientConfig, readCliCloudConfig, readSubmitterConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const BASE = {
  IIIF_BATCH_STATE_BUCKET: 'iiif-tasks',
  IIIF_BATCH_SOURCE_BUCKETS: 'img-src, img-archive ,',
  IIIF_BATCH_DESTINATION_BUCKETS: 'img-pub',
  IIIF_BATCH_JOB_QUEUE: 'arn:aws:batch:us-east-1:123456789012:job-queue/iiif',
  IIIF_BATCH_WORKER_JOB_DEFINITION: 'iiif-shard-worker',
  IIIF_BATCH_ASSEMBLER_JOB_DEFINITION: 'iiif-manifest-assembler',
};

describe('readSubmitterConfig', () => {
  it('reads the stack environment with defaults for the optional settings', () => {
    // Act
    const config = readSubmitterConfig({ ...BASE, IIIF_BATCH_STATE_PREFIX: '/pipeline/' });

    // Assess
    expect(config).toEqual({
      state: { bucket: 'iiif-tasks', prefix: 'pipeline' },
      leaseSeconds: 1800,
      sourceBuckets: ['img-src', 'img-archive'],
      destinationBuckets: ['img-pub'],
      batch: {
        jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/iiif',
        workerJobDefinition: 'iiif-shard-worker',
        assemblerJobDefinition: 'iiif-manifest-assembler',
        workerTimeoutSeconds: undefined,
        assemblerTimeoutSeconds: 3600,
        attempts: 3,
      },
    });
  });

  it('reads the optional timeouts and attempts', () => {
    // Act
    const config = readSubmitterConfig({
      ...BASE,
      IIIF_BATCH_WORKER_TIMEOUT_SECONDS: '7200',
      IIIF_BATCH_ASSEMBLER_TIMEOUT_SECONDS: '900',
      IIIF_BATCH_JOB_ATTEMPTS: '5',
    });

    // Assess
    expect(config.batch).toMatchObject({
      workerTimeoutSeconds: 7200,
      assemblerTimeoutSeconds: 900,
      attempts: 5,
    });
  });

  it('reads the lease time to live in minutes, 1 to 1440', () => {
    // Act / Assess
    expect(readSubmitterConfig({ ...BASE, IIIF_BATCH_LEASE_MINUTES: '1' }).leaseSeconds).toBe(60);
    expect(readSubmitterConfig({ ...BASE, IIIF_BATCH_LEASE_MINUTES: '1440' }).leaseSeconds).toBe(86_400);
    for (const value of ['0', '1441', '2.5', 'soon']) {
      expect(() => readSubmitterConfig({ ...BASE, IIIF_BATCH_LEASE_MINUTES: value })).toThrow(
        `Expected integer between 1 and 1440 for IIIF_BATCH_LEASE_MINUTES but received "${value}"`,
      );
    }
  });

  it('names the missing or malformed variable', () => {
    // Act / Assess
    expect(() => readSubmitterConfig({ ...BASE, IIIF_BATCH_DESTINATION_BUCKETS: ' , ' })).toThrow(ConfigError);
    expect(() => readSubmitterConfig({ ...BASE, IIIF_BATCH_DESTINATION_BUCKETS: '' })).toThrow(
      'Expected a comma-separated list of bucket names for IIIF_BATCH_DESTINATION_BUCKETS but received nothing',
    );
    expect(() => readSubmitterConfig({ ...BASE, IIIF_BATCH_JOB_QUEUE: undefined })).toThrow(
      'Missing environment variable IIIF_BATCH_JOB_QUEUE',
    );
    expect(() => readSubmitterConfig({ ...BASE, IIIF_BATCH_WORKER_TIMEOUT_SECONDS: '30' })).toThrow(
      'Expected integer between 60 and 1209600 for IIIF_BATCH_WORKER_TIMEOUT_SECONDS but received "30"',
    );
    expect(() => readSubmitterConfig({ ...BASE, IIIF_BATCH_JOB_ATTEMPTS: '11' })).toThrow(
      'Expected integer between 1 and 10 for IIIF_BATCH_JOB_ATTEMPTS but received "11"',
    );
  });

  it('checks bucket names with the rule task files and stack settings use', () => {
    // Act / Assess
    expect(() => readSubmitterConfig({ ...BASE, IIIF_BATCH_SOURCE_BUCKETS: 'img-src,192.168.5.4' })).toThrow(
      'Expected a comma-separated list of bucket names for IIIF_BATCH_SOURCE_BUCKETS but received "192.168.5.4"',
    );
    expect(() => readSubmitterConfig({ ...BASE, IIIF_BATCH_STATE_BUCKET: 'Tasks' })).toThrow(
      'Expected an S3 bucket name for IIIF_BATCH_STATE_BUCKET but received "Tasks"',
    );
    expect(() => readSubmitterConfig({ ...BASE, IIIF_BATCH_STATE_PREFIX: 'a/../b' })).toThrow(
      'Expected a relative path of folder names',
    );
  });
});

describe('readCliCloudConfig', () => {
  it('lets a flag replace its variable and names both in a message', () => {
    // Act
    const config = readCliCloudConfig({ bucket: 'flag-tasks' }, { IIIF_BATCH_TASK_BUCKET: 'env-tasks' });

    // Assess
    expect(config.taskBucket).toBe('flag-tasks');
    expect(config.state).toEqual({ bucket: 'flag-tasks', prefix: '' });
    expect(() => readCliCloudConfig({ bucket: 'Tasks' }, {})).toThrow(
      'Expected an S3 bucket name for --bucket (IIIF_BATCH_TASK_BUCKET) but received "Tasks"',
    );
    expect(() => readCliCloudConfig({}, { IIIF_BATCH_QUEUE_URL: 'my-queue' })).toThrow(
      'Expected an absolute http(s) URL for --queue-url (IIIF_BATCH_QUEUE_URL) but received "my-queue"',
    );
  });
});

describe('readAwsClientConfig', () => {
  it('turns on path-style addressing only when asked', () => {
    // Act / Assess
    expect(readAwsClientConfig({})).toEqual({ s3ForcePathStyle: false });
    expect(readAwsClientConfig({ S3_FORCE_PATH_STYLE: 'true' })).toEqual({ s3ForcePathStyle: true });
    expect(() => readAwsClientConfig({ S3_FORCE_PATH_STYLE: 'sure' })).toThrow(
      'Expected true or false for S3_FORCE_PATH_STYLE but received "sure"',
    );
  });
});
