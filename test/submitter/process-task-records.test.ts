import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchClient, SubmitJobCommand } from '@aws-sdk/client-batch';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchSubmitConfig } from '../../src/config.js';
import { AccessDeniedError, StorageError } from '../../src/errors.js';
import { acquireLease } from '../../src/lease/acquire-lease.js';
import { leaseScopeOf } from '../../src/lease/lease-records.js';
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
import { s3Notification } from '../helpers/s3-notification.js';
import { legacyTaskFile } from '../helpers/task-file.js';

const STATE = { bucket: 'iiif-tasks', prefix: '' };
const SOURCES = ['img-src', 'img-archive'];
const DESTINATIONS = ['img-pub'];
const BATCH: BatchSubmitConfig = {
  jobQueue: 'iiif-default',
  workerJobDefinition: 'iiif-shard-worker',
  assemblerJobDefinition: 'iiif-manifest-assembler',
  workerTimeoutSeconds: undefined,
  assemblerTimeoutSeconds: 3600,
  attempts: 3,
};
const ACCESS_DIR = 'Women_of_Design/Ms2016_012_Womens_Development_Corp_Box2';

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
  // Without test isolation (vitest.config.ts) the next file in this worker gets the real client.
  afterAll(() => batch.restore());
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
      sourceBuckets: SOURCES,
      destinationBuckets: DESTINATIONS,
      now: () => new Date('2025-03-01T12:00:01.000Z'),
      ...overrides,
    };
  }

  /** Store a task file; its ETag (what an S3 event names in a bucket without versions). */
  async function putTask(key: string, document: Record<string, unknown> | string): Promise<string> {
    await storage.put('iiif-tasks', key, typeof document === 'string' ? document : JSON.stringify(document));
    return (await storage.head('iiif-tasks', key))?.etag ?? '';
  }

  /** What a run's assembler does last: release the collection's lease. */
  async function endRun(runId: string): Promise<void> {
    const runStore = new RunStore(storage, STATE);
    const run = await runStore.getRun(runId);
    const lease = await acquireLease({ runStore }, { scope: leaseScopeOf(run.task), runId, by: 'assembler' });
    await lease.release('the assembler wrote the report');
  }

  async function errorReport(runId: string): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(join(root, 'iiif-tasks', 'runs', runId, 'error.json'), 'utf8'));
  }

  it('submits a task once when its notification is delivered again', async () => {
    // Prepare
    const etag = await putTask('tasks/box2.json', legacyTaskFile());
    const message = s3Notification('iiif-tasks', 'tasks/box2.json', etag);
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/box2.json', etag);

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
      version: etag,
      etag,
    });
    expect(run.counts).toMatchObject({ items: 2, images: 4 });
  });

  it('runs what each upload held, and rejects the notification of an upload overwritten since', async () => {
    // Prepare: version A (quality 81) is uploaded; before its notification is handled, version B
    // (quality 100) replaces it. The filesystem, like an unversioned bucket, keeps only B.
    const etagA = await putTask('tasks/box2.json', legacyTaskFile({ JPEG_QUALITY: '81' }));
    const messageA = s3Notification('iiif-tasks', 'tasks/box2.json', etagA);
    const first = await processTaskRecords(deps(), sqsEvent(sqsRecord('m1', messageA)));
    // A's jobs end (its assembler releases the collection's lease), so B may run.
    await endRun(taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/box2.json', etagA));
    const etagB = await putTask('tasks/box2.json', legacyTaskFile({ JPEG_QUALITY: '100' }));
    const messageB = s3Notification('iiif-tasks', 'tasks/box2.json', etagB);

    // Act: A's notification comes again (redelivery) after B was written; then, with A's records
    // gone (as if A's first delivery had failed before recording it), again; then B's.
    const lateA = await processTaskRecords(deps(), sqsEvent(sqsRecord('m1', messageA)));
    const lateAError = await storage.head(
      'iiif-tasks',
      `runs/${taskRunId('box2', 'iiif-tasks', 'tasks/box2.json', etagA)}/error.json`,
    );
    await rm(join(root, 'iiif-tasks', 'runs'), { recursive: true });
    const againA = await processTaskRecords(deps(), sqsEvent(sqsRecord('m1', messageA)));
    const b = await processTaskRecords(deps(), sqsEvent(sqsRecord('m2', messageB)));

    // Assess: A's run (recorded before) ran A; without it, A is refused rather than run as B.
    expect(etagB).not.toBe(etagA);
    for (const response of [first, lateA, againA, b]) expect(response.batchItemFailures).toEqual([]);
    const runB = taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/box2.json', etagB);
    // A's content is gone, so its jobName is unknown: the report is named after the file.
    const rejection = await errorReport(taskRunId('box2', 'iiif-tasks', 'tasks/box2.json', etagA));
    expect(rejection.message).toContain('was overwritten after this upload was notified');
    expect(rejection.message).toContain(etagA);
    const recordB = JSON.parse(await readFile(join(root, 'iiif-tasks', 'runs', runB, 'run.json'), 'utf8')) as RunRecord;
    expect(recordB.task.settings.jpegQuality).toBe(100);
    expect(lateAError).toBeUndefined();
    expect(recordB.source).toMatchObject({ version: etagB, etag: etagB });
    // A once (before B was written), B once; the refused notification submitted nothing.
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(4);
  });

  it('fails only the record whose task is bad, and reports why beside the run records', async () => {
    // Prepare
    const eA = await putTask('tasks/good-1.json', legacyTaskFile({}, { jobName: 'Good-1' }));
    const eB = await putTask('tasks/bad.json', legacyTaskFile({ DEST_URL: 'ftp://example.org' }, { jobName: 'Bad' }));
    const eC = await putTask('tasks/broken.json', '{"jobName": "Broken", ');
    const eD = await putTask(
      'tasks/good-2.json',
      legacyTaskFile({ COLLECTION_IDENTIFIER: 'Box2_second_collection' }, { jobName: 'Good-2' }),
    );
    const event = sqsEvent(
      sqsRecord('a', s3Notification('iiif-tasks', 'tasks/good-1.json', eA)),
      sqsRecord('b', s3Notification('iiif-tasks', 'tasks/bad.json', eB)),
      sqsRecord('c', s3Notification('iiif-tasks', 'tasks/broken.json', eC)),
      sqsRecord('d', s3Notification('iiif-tasks', 'tasks/good-2.json', eD)),
    );

    // Act
    const response = await processTaskRecords(deps(), event);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const names = batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input.jobName);
    expect(names).toEqual(['Good-1-tiles', 'Good-1-manifests', 'Good-2-tiles', 'Good-2-manifests']);
    const bad = await errorReport(taskRunId('Bad', 'iiif-tasks', 'tasks/bad.json', eB));
    expect(bad.field).toMatch(/DEST_URL/);
    expect(String(bad.message)).toContain('DEST_URL');
    expect(bad.source).toBe(storage.describe('iiif-tasks', 'tasks/bad.json'));
    // A file that is not even JSON has no jobName: its report is named after the file.
    const broken = await errorReport(taskRunId('broken', 'iiif-tasks', 'tasks/broken.json', eC));
    expect(String(broken.message)).toContain('not valid JSON');
  });

  it('rejects a task of a collection that another run is publishing, naming that run, until it has ended', async () => {
    // Prepare
    const e1 = await putTask('tasks/first.json', legacyTaskFile({ TILE_SIZE: '256' }, { jobName: 'First' }));
    const e2 = await putTask('tasks/second.json', legacyTaskFile({ TILE_SIZE: '1024' }, { jobName: 'Second' }));
    const first = taskRunId('First', 'iiif-tasks', 'tasks/first.json', e1);
    const second = taskRunId('Second', 'iiif-tasks', 'tasks/second.json', e2);
    const notifySecond = sqsEvent(sqsRecord('b', s3Notification('iiif-tasks', 'tasks/second.json', e2)));
    await processTaskRecords(deps(), sqsEvent(sqsRecord('a', s3Notification('iiif-tasks', 'tasks/first.json', e1))));

    // Act: the second upload while the first run's jobs still run, then again once they have ended.
    const whileRunning = await processTaskRecords(deps(), notifySecond);
    const rejection = await errorReport(second);
    await endRun(first);
    await processTaskRecords(deps(), notifySecond);

    // Assess: the rejection is final for that message (no retry) and names the first run.
    expect(whileRunning.batchItemFailures).toEqual([]);
    expect(rejection.field).toBe('COLLECTION_IDENTIFIER');
    expect(String(rejection.message)).toContain(
      `Collection img-pub/iawa/Women_of_Design/Ms2016_012_Womens_Development_Corp_Box2 is being published by run ${first}`,
    );
    expect(String(rejection.message)).toContain(`iiif-batch status ${first}`);
    const names = batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input.jobName);
    expect(names).toEqual(['First-tiles', 'First-manifests', 'Second-tiles', 'Second-manifests']);
    expect(await storage.head('iiif-tasks', `runs/${second}/error.json`)).toBeUndefined();
  });

  it('reads task files whose keys hold spaces, plus signs and unicode', async () => {
    // Prepare
    const key = 'tasks/Box 2 — Ünïcode+plus/書庫.json';
    const etag = await putTask(key, legacyTaskFile());
    const encoded = 'tasks/Box+2+%E2%80%94+%C3%9Cn%C3%AFcode%2Bplus/%E6%9B%B8%E5%BA%AB.json';

    // Act
    const response = await processTaskRecords(
      deps(),
      sqsEvent(sqsRecord('u', s3Notification('iiif-tasks', encoded, etag))),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(2);
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', key, etag);
    const run = JSON.parse(await readFile(join(root, 'iiif-tasks', 'runs', runId, 'run.json'), 'utf8')) as RunRecord;
    expect(run.source.key).toBe(key);
  });

  it('rejects, without retrying, a task too large to plan in the time the invocation has left', async () => {
    // Prepare: the deps' clock says 12:00:01; this invocation ended a second earlier.
    const etag = await putTask('tasks/huge.json', legacyTaskFile());
    const ended = Date.parse('2025-03-01T12:00:00.000Z');

    // Act
    const late = await processTaskRecords(
      deps({ deadline: ended }),
      sqsEvent(sqsRecord('h', s3Notification('iiif-tasks', 'tasks/huge.json', etag))),
    );
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/huge.json', etag);
    const report = await errorReport(runId);
    const inTime = await processTaskRecords(
      deps({ deadline: ended + 900_000 }),
      sqsEvent(sqsRecord('h2', s3Notification('iiif-tasks', 'tasks/huge.json', etag))),
    );

    // Assess: rejected with the reason and the remedy, nothing launched; in time, it submits.
    expect(late.batchItemFailures).toEqual([]);
    expect(report.field).toBe('ACCESS_DIR');
    expect(report.message).toMatch(
      /the submitter ran out of time planning the run: in 0 s it listed 0 objects and counted the pages of 0 of the 0 TIFF and PDF files found so far/,
    );
    expect(report.message).toContain('Split the collection into several task files');
    expect(inTime.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(2);
    expect(await storage.head('iiif-tasks', `runs/${runId}/run.json`)).toBeDefined();
  });

  it('refuses a task naming a bucket outside the allow-list, naming the bucket', async () => {
    // Prepare
    const etag = await putTask('tasks/elsewhere.json', legacyTaskFile({ AWS_DEST_BUCKET: 'someone-elses-bucket' }));

    // Act
    const response = await processTaskRecords(
      deps(),
      sqsEvent(sqsRecord('x', s3Notification('iiif-tasks', 'tasks/elsewhere.json', etag))),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
    const report = await errorReport(taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/elsewhere.json', etag));
    expect(report.field).toBe('AWS_DEST_BUCKET');
    expect(report.message).toContain(
      'AWS_DEST_BUCKET "someone-elses-bucket" is not a destination bucket this deployment may use; expected one of img-pub',
    );
  });

  it('checks each bucket against its own role: the destination as source, a source as destination', async () => {
    // Prepare
    const eSwapped = await putTask(
      'tasks/swapped.json',
      legacyTaskFile({ AWS_SRC_BUCKET: 'img-pub', AWS_DEST_BUCKET: 'img-src' }, { jobName: 'Swapped' }),
    );
    const eIntoSource = await putTask(
      'tasks/into-source.json',
      legacyTaskFile({ AWS_DEST_BUCKET: 'img-archive' }, { jobName: 'IntoSource' }),
    );

    // Act
    const response = await processTaskRecords(
      deps(),
      sqsEvent(
        sqsRecord('s', s3Notification('iiif-tasks', 'tasks/swapped.json', eSwapped)),
        sqsRecord('i', s3Notification('iiif-tasks', 'tasks/into-source.json', eIntoSource)),
      ),
    );

    // Assess: neither is retried, nothing is submitted, each report names the field and the role.
    expect(response.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
    const swapped = await errorReport(taskRunId('Swapped', 'iiif-tasks', 'tasks/swapped.json', eSwapped));
    expect(swapped.field).toBe('AWS_SRC_BUCKET');
    expect(swapped.message).toContain(
      'AWS_SRC_BUCKET "img-pub" is not a source bucket this deployment may use ("img-pub" is a destination bucket of this deployment); expected one of img-src, img-archive',
    );
    const intoSource = await errorReport(taskRunId('IntoSource', 'iiif-tasks', 'tasks/into-source.json', eIntoSource));
    expect(intoSource.field).toBe('AWS_DEST_BUCKET');
    expect(intoSource.message).toContain('"img-archive" is a source bucket of this deployment');
    // Nothing was listed in any bucket for them.
    expect(await storage.head('iiif-tasks', 'runs')).toBeUndefined();
  });

  it('rejects, without retrying, a task whose source bucket denies the deployment access', async () => {
    // Prepare: the source is allowed by the settings, but S3 refuses the listing (IAM lacks it).
    const etag = await putTask('tasks/denied.json', legacyTaskFile({}, { jobName: 'Denied' }));
    const denied = new RecordingStorage(storage);
    denied.failWith = (call) =>
      call.bucket === 'img-src'
        ? new AccessDeniedError(`S3 list of s3://img-src/${call.key} failed: AccessDenied (HTTP 403)`, {
            bucket: 'img-src',
            key: call.key,
          })
        : undefined;

    // Act
    const response = await processTaskRecords(
      deps({ storage: denied }),
      sqsEvent(sqsRecord('d', s3Notification('iiif-tasks', 'tasks/denied.json', etag))),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
    const report = await errorReport(taskRunId('Denied', 'iiif-tasks', 'tasks/denied.json', etag));
    expect(report.message).toContain('AccessDenied');
  });

  it('rejects a task whose CSV is missing without submitting anything', async () => {
    // Prepare
    const etag = await putTask('tasks/nocsv.json', legacyTaskFile({ CSV_NAME: 'missing.csv' }));

    // Act
    const response = await processTaskRecords(
      deps(),
      sqsEvent(sqsRecord('n', s3Notification('iiif-tasks', 'tasks/nocsv.json', etag))),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/nocsv.json', etag);
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
    const eG = await putTask('tasks/good.json', legacyTaskFile({}, { jobName: 'Good' }));
    const eF = await putTask('tasks/flaky.json', legacyTaskFile({}, { jobName: 'Flaky' }));
    const flaky = failingReads(storage, 'tasks/flaky.json');

    // Act
    const response = await processTaskRecords(
      deps({ storage: flaky }),
      sqsEvent(
        sqsRecord('flaky', s3Notification('iiif-tasks', 'tasks/flaky.json', eF)),
        sqsRecord('good', s3Notification('iiif-tasks', 'tasks/good.json', eG)),
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
    const etag = await putTask('tasks/box2.json', legacyTaskFile());
    const message = s3Notification('iiif-tasks', 'tasks/box2.json', etag);
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/box2.json', etag);
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
    const etag = await putTask('tasks/box2.json', legacyTaskFile());
    const message = s3Notification('iiif-tasks', 'tasks/box2.json', etag);
    const runId = taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/box2.json', etag);
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
