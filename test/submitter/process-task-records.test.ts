import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchClient, SubmitJobCommand } from '@aws-sdk/client-batch';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchSubmitConfig } from '../../src/config.js';
import { StorageError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { RunRecord } from '../../src/run/run-records.js';
import { RunStore } from '../../src/run/run-store.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { S3Storage } from '../../src/storage/s3-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { BatchJobLauncher } from '../../src/submitter/batch-launcher.js';
import { processTaskRecords, type TaskRecordDependencies } from '../../src/submitter/process-task-records.js';
import { taskRunId } from '../../src/submitter/run-id.js';
import { RecordingStorage } from '../helpers/recording-storage.js';
import { legacyTaskFile } from '../helpers/task-file.js';

const STATE = { bucket: 'iiif-tasks', prefix: '' };
const ALLOWED = ['img-src', 'img-pub'];
const BATCH: BatchSubmitConfig = {
  jobQueue: 'iiif-default',
  allowedJobQueues: [],
  workerJobDefinition: 'iiif-shard-worker',
  assemblerJobDefinition: 'iiif-manifest-assembler',
  workerTimeoutSeconds: undefined,
  assemblerTimeoutSeconds: 3600,
  attempts: 3,
};
const ACCESS_DIR = 'Women_of_Design/Ms2016_012_Womens_Development_Corp_Box2';

/** The body S3 sends to SQS for one created object (key form-URL-encoded, as S3 does). */
function s3Notification(bucket: string, encodedKey: string, eTag: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2025-03-01T12:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:EXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'HOST' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'tasks',
          bucket: { name: bucket, ownerIdentity: { principalId: 'OWNER' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodedKey, size: 700, eTag, sequencer: '00650000000000000', ...extra },
        },
      },
    ],
  });
}

function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1740830400000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1740830400001',
    },
    messageAttributes: {},
    md5OfBody: 'md5',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:iiif-tasks',
    awsRegion: 'us-east-1',
  };
}

function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

describe('processTaskRecords', () => {
  const batch = mockClient(BatchClient);
  let root: string;
  let storage: FsStorage;
  let jobCounter: number;

  beforeEach(async () => {
    batch.reset();
    jobCounter = 0;
    batch.on(SubmitJobCommand).callsFake(() => {
      jobCounter += 1;
      return { jobId: `job-${jobCounter}`, jobName: 'x', jobArn: `arn:job-${jobCounter}` };
    });
    root = await mkdtemp(join(tmpdir(), 'iiif-submitter-'));
    storage = new FsStorage(root);
    // A small collection: two items of two images each, and its CSV.
    for (const folder of ['Box2_Folder1', 'Box2_Folder2']) {
      for (const page of ['p1.tif', 'p2.tif']) {
        await storage.put('img-src', `${ACCESS_DIR}/${folder}/Access/${page}`, Buffer.alloc(2048, 1));
      }
    }
    await storage.put(
      'img-src',
      'metadata/Ms2016_012_Box2.csv',
      'identifier,title\nBox2_Folder1,Folder one\nBox2_Folder2,Folder two\n',
    );
  });

  afterEach(async () => {
    batch.reset();
    await rm(root, { recursive: true, force: true });
  });

  function deps(overrides: Partial<TaskRecordDependencies> = {}): TaskRecordDependencies {
    const store = overrides.storage ?? storage;
    return {
      storage: store,
      runStore: new RunStore(store, STATE),
      launcher: new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), BATCH),
      logger: silentLogger,
      allowedBuckets: ALLOWED,
      now: () => new Date('2025-03-01T12:00:01.000Z'),
      ...overrides,
    };
  }

  async function putTask(key: string, document: Record<string, unknown>): Promise<void> {
    await storage.put('iiif-tasks', key, JSON.stringify(document));
  }

  async function errorReport(runId: string): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(join(root, 'iiif-tasks', 'runs', runId, 'error.json'), 'utf8'));
  }

  it('submits a task once when its notification is delivered again', async () => {
    // Prepare
    await putTask('tasks/box2.json', legacyTaskFile());
    const message = s3Notification('iiif-tasks', 'tasks/box2.json', 'etag-1');
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/box2.json', 'etag-1');

    // Act
    const first = await processTaskRecords(deps(), sqsEvent(sqsRecord('m1', message)));
    const redelivered = await processTaskRecords(deps(), sqsEvent(sqsRecord('m1', message)));
    const twiceInOneBatch = await processTaskRecords(
      deps(),
      sqsEvent(sqsRecord('m2', message), sqsRecord('m3', message)),
    );

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(twiceInOneBatch.batchItemFailures).toEqual([]);
    const calls = batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.jobName)).toEqual(['Ms2016_012-Box2-tiles', 'Ms2016_012-Box2-manifests']);
    expect(calls[0]?.containerOverrides?.environment).toContainEqual({ name: 'IIIF_BATCH_RUN_ID', value: runId });
    const run = JSON.parse(await readFile(join(root, 'iiif-tasks', 'runs', runId, 'run.json'), 'utf8')) as RunRecord;
    expect(run.source).toEqual({
      location: storage.describe('iiif-tasks', 'tasks/box2.json'),
      bucket: 'iiif-tasks',
      key: 'tasks/box2.json',
      version: 'etag-1',
    });
    expect(run.counts).toMatchObject({ items: 2, images: 4 });
  });

  it('submits a new run for a new version of the same task file', async () => {
    // Prepare
    await putTask('tasks/box2.json', legacyTaskFile());

    // Act
    await processTaskRecords(deps(), sqsEvent(sqsRecord('m1', s3Notification('iiif-tasks', 'tasks/box2.json', 'e1'))));
    await processTaskRecords(
      deps(),
      sqsEvent(sqsRecord('m2', s3Notification('iiif-tasks', 'tasks/box2.json', 'e1', { versionId: 'v2' }))),
    );

    // Assess
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(4);
  });

  it('fails only the record whose task is bad, and reports why beside the run records', async () => {
    // Prepare
    await putTask('tasks/good-1.json', legacyTaskFile({}, { jobName: 'Good-1' }));
    await putTask('tasks/bad.json', legacyTaskFile({ DEST_URL: 'ftp://example.org' }, { jobName: 'Bad' }));
    await storage.put('iiif-tasks', 'tasks/broken.json', '{"jobName": "Broken", ');
    await putTask('tasks/good-2.json', legacyTaskFile({}, { jobName: 'Good-2' }));
    const event = sqsEvent(
      sqsRecord('a', s3Notification('iiif-tasks', 'tasks/good-1.json', 'e-a')),
      sqsRecord('b', s3Notification('iiif-tasks', 'tasks/bad.json', 'e-b')),
      sqsRecord('c', s3Notification('iiif-tasks', 'tasks/broken.json', 'e-c')),
      sqsRecord('d', s3Notification('iiif-tasks', 'tasks/good-2.json', 'e-d')),
    );

    // Act
    const response = await processTaskRecords(deps(), event);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const names = batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input.jobName);
    expect(names).toEqual(['Good-1-tiles', 'Good-1-manifests', 'Good-2-tiles', 'Good-2-manifests']);
    const bad = await errorReport(taskRunId('Bad', 'iiif-tasks', 'tasks/bad.json', 'e-b'));
    expect(bad.field).toMatch(/DEST_URL/);
    expect(String(bad.message)).toContain('DEST_URL');
    expect(bad.source).toBe(storage.describe('iiif-tasks', 'tasks/bad.json'));
    // A file that is not even JSON has no jobName: its report is named after the file.
    const broken = await errorReport(taskRunId('broken', 'iiif-tasks', 'tasks/broken.json', 'e-c'));
    expect(String(broken.message)).toContain('not valid JSON');
  });

  it('reads task files whose keys hold spaces, plus signs and unicode', async () => {
    // Prepare
    const key = 'tasks/Box 2 — Ünïcode+plus/書庫.json';
    await putTask(key, legacyTaskFile());
    const encoded = 'tasks/Box+2+%E2%80%94+%C3%9Cn%C3%AFcode%2Bplus/%E6%9B%B8%E5%BA%AB.json';

    // Act
    const response = await processTaskRecords(
      deps(),
      sqsEvent(sqsRecord('u', s3Notification('iiif-tasks', encoded, 'e-u'))),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(2);
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', key, 'e-u');
    const run = JSON.parse(await readFile(join(root, 'iiif-tasks', 'runs', runId, 'run.json'), 'utf8')) as RunRecord;
    expect(run.source.key).toBe(key);
  });

  it('refuses a task naming a bucket outside the allow-list, naming the bucket', async () => {
    // Prepare
    await putTask('tasks/elsewhere.json', legacyTaskFile({ AWS_DEST_BUCKET: 'someone-elses-bucket' }));

    // Act
    const response = await processTaskRecords(
      deps(),
      sqsEvent(sqsRecord('x', s3Notification('iiif-tasks', 'tasks/elsewhere.json', 'e-x'))),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
    const report = await errorReport(taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/elsewhere.json', 'e-x'));
    expect(report.field).toBe('AWS_DEST_BUCKET');
    expect(report.message).toContain('AWS_DEST_BUCKET "someone-elses-bucket" is not a bucket this deployment may use');
    expect(report.message).toContain('img-src, img-pub');
  });

  it('rejects a task whose CSV is missing without submitting anything', async () => {
    // Prepare
    await putTask('tasks/nocsv.json', legacyTaskFile({ CSV_NAME: 'missing.csv' }));

    // Act
    const response = await processTaskRecords(
      deps(),
      sqsEvent(sqsRecord('n', s3Notification('iiif-tasks', 'tasks/nocsv.json', 'e-n'))),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/nocsv.json', 'e-n');
    expect(String((await errorReport(runId)).message)).toContain('metadata CSV not found');
  });

  it('ignores the S3 test event, deletions and messages that are not S3 events', async () => {
    // Prepare
    const testEvent = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2025-03-01T12:00:00.000Z',
      Bucket: 'iiif-tasks',
      RequestId: 'R',
      HostId: 'H',
    });
    const removal = s3Notification('iiif-tasks', 'tasks/box2.json', 'e').replace(
      'ObjectCreated:Put',
      'ObjectRemoved:Delete',
    );

    // Act
    const response = await processTaskRecords(
      deps(),
      sqsEvent(sqsRecord('t', testEvent), sqsRecord('r', removal), sqsRecord('g', 'garbage')),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
  });

  it('reports a record for retry when S3 fails transiently, and only that record', async () => {
    // Prepare
    await putTask('tasks/good.json', legacyTaskFile({}, { jobName: 'Good' }));
    await putTask('tasks/flaky.json', legacyTaskFile({}, { jobName: 'Flaky' }));
    const flaky = failingReads(storage, 'tasks/flaky.json');

    // Act
    const response = await processTaskRecords(
      deps({ storage: flaky }),
      sqsEvent(
        sqsRecord('flaky', s3Notification('iiif-tasks', 'tasks/flaky.json', 'e-f')),
        sqsRecord('good', s3Notification('iiif-tasks', 'tasks/good.json', 'e-g')),
      ),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'flaky' }]);
    expect(batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input.jobName)).toEqual([
      'Good-tiles',
      'Good-manifests',
    ]);
  });

  it('retries an S3 SlowDown from the S3 adapter', async () => {
    // Prepare
    const s3 = mockClient(S3Client);
    const slowDown = Object.assign(new Error('Please reduce your request rate.'), {
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    });
    s3.on(GetObjectCommand).rejects(slowDown);
    s3.on(HeadObjectCommand).rejects(slowDown);
    const s3Storage = new S3Storage(new S3Client({ region: 'us-east-1' }));

    // Act
    const response = await processTaskRecords(
      deps({ storage: s3Storage }),
      sqsEvent(sqsRecord('s', s3Notification('iiif-tasks', 'tasks/box2.json', 'e-s'))),
    );
    s3.restore();

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 's' }]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
  });

  it('retries when Batch throttles, releasing the claim so the redelivery submits', async () => {
    // Prepare
    await putTask('tasks/box2.json', legacyTaskFile());
    const message = s3Notification('iiif-tasks', 'tasks/box2.json', 'e-t');
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/box2.json', 'e-t');
    batch.reset();
    const throttled = Object.assign(new Error('Too Many Requests'), {
      name: 'ClientException',
      $metadata: { httpStatusCode: 429 },
    });
    batch.on(SubmitJobCommand).rejectsOnce(throttled).resolves({ jobId: 'later' });

    // Act
    const first = await processTaskRecords(deps(), sqsEvent(sqsRecord('t1', message)));
    const claimAfterFailure = await storage.head('iiif-tasks', `runs/${runId}/run.json`);
    const second = await processTaskRecords(deps(), sqsEvent(sqsRecord('t1', message)));

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 't1' }]);
    expect(claimAfterFailure).toBeUndefined();
    expect(second.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(3);
    expect(await storage.head('iiif-tasks', `runs/${runId}/run.json`)).toBeDefined();
  });

  it('clears the error report of an earlier rejected upload once the same version submits', async () => {
    // Prepare
    await putTask('tasks/box2.json', legacyTaskFile());
    const message = s3Notification('iiif-tasks', 'tasks/box2.json', 'e-c');
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/box2.json', 'e-c');
    await rm(join(root, 'img-src', 'metadata', 'Ms2016_012_Box2.csv'));
    await processTaskRecords(deps(), sqsEvent(sqsRecord('c1', message)));
    const rejected = await storage.head('iiif-tasks', `runs/${runId}/error.json`);
    await storage.put('img-src', 'metadata/Ms2016_012_Box2.csv', 'identifier\nBox2_Folder1\nBox2_Folder2\n');

    // Act
    await processTaskRecords(deps(), sqsEvent(sqsRecord('c1', message)));

    // Assess
    expect(rejected).toBeDefined();
    expect(await storage.head('iiif-tasks', `runs/${runId}/error.json`)).toBeUndefined();
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(2);
  });
});

/** A storage whose reads of one key fail as S3 throttling does after the SDK's retries. */
function failingReads(inner: Storage, failingKey: string): Storage {
  const storage = new RecordingStorage(inner);
  storage.failWith = (call) =>
    call.key === failingKey && (call.op === 'getStream' || call.op === 'getBytes')
      ? new StorageError(`S3 read of s3://${call.bucket}/${call.key} failed: SlowDown (HTTP 503)`, {
          bucket: call.bucket,
          key: call.key,
          transient: true,
        })
      : undefined;
  return storage;
}
