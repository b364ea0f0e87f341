import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BatchClient, SubmitJobCommand, type SubmitJobCommandInput } from '@aws-sdk/client-batch';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../../src/aws/s3-client.js';
import { ENTRY_POINTS } from '../../../src/config.js';
import type { PlannedItem, RunRecord, RunReport } from '../../../src/run/run-records.js';
import { S3Storage } from '../../../src/storage/s3-storage.js';
import { taskRunId } from '../../../src/submitter/run-id.js';
import { type FakeEventBridge, startFakeEventBridge } from '../../helpers/fake-eventbridge-endpoint.js';
import { lambdaContext } from '../../helpers/lambda-context.js';
import { type LocalAws, startLocalAws } from '../../helpers/local-aws.js';
import { photo } from '../../helpers/photo.js';
import { REPO_ROOT } from '../../helpers/run-cli.js';
import { s3Notification } from '../../helpers/s3-notification.js';
import { legacyTaskFile } from '../../helpers/task-file.js';

/**
 * The cloud shape end to end on loopback: an S3 + SQS emulator (fauxqs) on 127.0.0.1, the real
 * submitter handler fed from SQS, Batch captured with aws-sdk-client-mock, then the real compiled
 * shard-worker and assembler entry points run as processes with the environment Batch would give
 * each child, reading and writing the emulator's S3.
 */

const TASKS = 'iiif-tasks';
const SRC = 'img-src';
const PUB = 'img-pub';
const TASK_KEY = 'tasks/Box 1 — Ünïcode+plus.json';
/** The key as S3 writes it into event notifications (form-URL-encoded). */
const TASK_KEY_IN_EVENT = 'tasks/Box+1+%E2%80%94+%C3%9Cn%C3%AFcode%2Bplus.json';
const WORKER_DEFINITION = 'iiif-shard-worker:1';
const ASSEMBLER_DEFINITION = 'iiif-manifest-assembler:1';

/** The environment variables this test sets for the in-process handler (restored afterwards). */
const HANDLER_ENV: Record<string, string> = {
  IIIF_BATCH_STATE_BUCKET: TASKS,
  IIIF_BATCH_STATE_PREFIX: '',
  IIIF_BATCH_SOURCE_BUCKETS: SRC,
  IIIF_BATCH_DESTINATION_BUCKETS: PUB,
  IIIF_BATCH_EVENT_BUS: 'iiif-bus',
  IIIF_BATCH_JOB_QUEUE: 'iiif-default-queue',
  IIIF_BATCH_WORKER_JOB_DEFINITION: WORKER_DEFINITION,
  IIIF_BATCH_ASSEMBLER_JOB_DEFINITION: ASSEMBLER_DEFINITION,
  S3_FORCE_PATH_STYLE: 'true',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  LOG_LEVEL: 'error',
};

/** A task file of the Box1 collection in SRC, published to PUB (settings may be overridden). */
function box1Task(jobName: string, settings: Record<string, string> = {}): string {
  return JSON.stringify(
    legacyTaskFile(
      {
        COLLECTION_IDENTIFIER: 'Box1',
        ACCESS_DIR: 'Coll/Box1',
        AWS_SRC_BUCKET: SRC,
        AWS_DEST_BUCKET: PUB,
        DEST_PREFIX: 'pub',
        DEST_URL: 'https://iiif.example.org',
        CSV_NAME: 'box1.csv',
        ...settings,
      },
      { jobName },
    ),
  );
}

/** What the Lambda service hands the function for received SQS messages. */
function toSqsEvent(messages: readonly Message[], queueArn: string): SQSEvent {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: message.Attributes?.SentTimestamp ?? '0',
        SenderId: message.Attributes?.SenderId ?? 'TEST',
        ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? '0',
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}

interface ProcessResult {
  readonly code: number;
  readonly stderr: string;
}

function runNode(script: string, env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

describe('cloud path on loopback: S3 → SQS → submitter → Batch (mocked) → worker and assembler processes', () => {
  const batch = mockClient(BatchClient);
  let aws: LocalAws;
  let eventBridge: FakeEventBridge;
  let s3: S3Client;
  let sqs: SQSClient;
  let queueUrl: string;
  let queueArn: string;
  let dlqUrl: string;
  let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  const savedEnv: Record<string, string | undefined> = {};
  let jobCounter = 0;

  const getText = async (bucket: string, key: string): Promise<string> => {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await answer.Body?.transformToString('utf8')) ?? '';
  };
  const exists = async (bucket: string, key: string): Promise<boolean> =>
    s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      () => false,
    );

  /** Receive what is visible (as the Lambda event source mapping does), call the handler, delete successes. */
  const deliver = async (): Promise<{ received: Message[]; response: SQSBatchResponse }> => {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const received = answer.Messages ?? [];
    if (received.length === 0) return { received, response: { batchItemFailures: [] } };
    const response = await handler(toSqsEvent(received, queueArn), lambdaContext('submitter'));
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    for (const message of received) {
      if (!failed.has(message.MessageId ?? '')) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
    return { received, response };
  };

  beforeAll(async () => {
    if (
      !existsSync(join(REPO_ROOT, ENTRY_POINTS.shardWorker)) ||
      !existsSync(join(REPO_ROOT, ENTRY_POINTS.assembler))
    ) {
      throw new Error(
        `Compiled entry points are missing (${ENTRY_POINTS.shardWorker}, ${ENTRY_POINTS.assembler}): run "npm run build" first (npm test does)`,
      );
    }
    aws = await startLocalAws();
    eventBridge = await startFakeEventBridge();
    for (const [name, value] of Object.entries({
      ...HANDLER_ENV,
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
    })) {
      savedEnv[name] = process.env[name];
      process.env[name] = value;
    }
    s3 = createS3Client({ s3ForcePathStyle: true }, aws.clientConfig);
    sqs = new SQSClient(aws.clientConfig);
    for (const bucket of [TASKS, SRC, PUB]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    // The queue the task bucket notifies, with a dead-letter queue after 3 receives.
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'iiif-tasks-dlq' }));
    dlqUrl = dlq.QueueUrl ?? '';
    const dlqArn =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes
        ?.QueueArn ?? '';
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'iiif-tasks',
        Attributes: {
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '3' }),
        },
      }),
    );
    queueUrl = queue.QueueUrl ?? '';
    queueArn =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes
        ?.QueueArn ?? '';

    // Batch has no emulator: capture SubmitJob and hand out job ids.
    batch.on(SubmitJobCommand).callsFake((input: SubmitJobCommandInput) => {
      jobCounter += 1;
      return {
        jobId: `job-${jobCounter}`,
        jobName: input.jobName,
        jobArn: `arn:aws:batch:us-east-1:0:job/job-${jobCounter}`,
      };
    });
    // The real Lambda entry point, loaded after its environment is set.
    ({ handler } = await import('../../../src/submitter/handler.js'));
  }, 60_000);

  afterAll(async () => {
    batch.restore();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    s3?.destroy();
    sqs?.destroy();
    await aws?.stop();
    await eventBridge?.stop();
  });

  it('publishes tiles, manifests and the collection to S3 from a task file uploaded once and notified twice', async () => {
    // Prepare: images (three items, one in the old `Access` layout), the CSV and the task file.
    const images: [string, Buffer][] = [
      ['Coll/Box1/Folder1/page1.jpg', await (await photo(640, 480)).jpeg({ quality: 90 }).toBuffer()],
      ['Coll/Box1/Folder1/page2.jpg', await (await photo(300, 500)).jpeg({ quality: 90 }).toBuffer()],
      ['Coll/Box1/Folder2/Access/scan 1.jpg', await (await photo(520, 260)).jpeg({ quality: 90 }).toBuffer()],
      ['Coll/Box1/Folder2/Access/scan 2.jpg', await (await photo(200, 200)).jpeg({ quality: 90 }).toBuffer()],
      ['Coll/Box1/Folder3/only.jpg', await (await photo(700, 300)).jpeg({ quality: 90 }).toBuffer()],
    ];
    for (const [key, body] of images) {
      await s3.send(new PutObjectCommand({ Bucket: SRC, Key: key, Body: body, ContentType: 'image/jpeg' }));
    }
    await s3.send(new PutObjectCommand({ Bucket: SRC, Key: 'Coll/Box1/Folder1/notes.txt', Body: 'not an image' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: SRC,
        Key: 'metadata/box1.csv',
        Body: 'identifier,title,date\nBox1,The box,1990\nFolder1,First folder,1991\nFolder2,Second folder,1992\nFolder3,Third folder,1993\n',
      }),
    );
    const taskBody = JSON.stringify(
      legacyTaskFile({
        COLLECTION_IDENTIFIER: 'Box1',
        ACCESS_DIR: 'Coll/Box1',
        AWS_SRC_BUCKET: SRC,
        AWS_DEST_BUCKET: PUB,
        DEST_PREFIX: 'pub',
        DEST_URL: 'https://iiif.example.org',
        CSV_NAME: 'box1.csv',
        TILE_SIZE: '256',
        SHARD_COUNT: '2',
      }),
    );
    const upload = await s3.send(new PutObjectCommand({ Bucket: TASKS, Key: TASK_KEY, Body: taskBody }));
    const eTag = (upload.ETag ?? '').replaceAll('"', '');
    const notification = s3Notification(TASKS, TASK_KEY_IN_EVENT, eTag, Buffer.byteLength(taskBody));
    // S3 delivers at least once: the same notification arrives twice.
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: notification }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: notification }));

    // Act (1): the submitter Lambda, fed from SQS.
    const first = await deliver();
    const second = await deliver();

    // Assess (1): one submission, no failures, both messages gone, exact Batch inputs.
    expect(first.received.length + second.received.length).toBe(2);
    expect(first.response.batchItemFailures).toEqual([]);
    expect(second.response.batchItemFailures).toEqual([]);
    const runId = taskRunId('Ms2016_012-Box2', TASKS, TASK_KEY, eTag);
    const run = JSON.parse(await getText(TASKS, `runs/${runId}/run.json`)) as RunRecord;
    expect(run.counts).toEqual({ items: 3, images: 5, ignored: 1, shards: 2 });
    expect(run.source).toEqual({
      location: `s3://${TASKS}/${TASK_KEY}`,
      bucket: TASKS,
      key: TASK_KEY,
      version: eTag,
      etag: eTag,
    });
    const calls = batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(2);
    const environment = [
      { name: 'IIIF_BATCH_RUN_ID', value: runId },
      { name: 'IIIF_BATCH_STATE_BUCKET', value: TASKS },
      { name: 'IIIF_BATCH_ATTEMPT', value: '1' },
    ];
    const retryStrategy = {
      attempts: 3,
      evaluateOnExit: [
        { onStatusReason: 'Host EC2*', action: 'RETRY' },
        { onStatusReason: 'Your Spot Task was interrupted*', action: 'RETRY' },
        { onReason: 'CannotPullContainerError*', action: 'RETRY' },
        { onExitCode: '2', action: 'EXIT' },
      ],
    };
    const tags = {
      'iiif-batch:run-id': runId,
      'iiif-batch:job-name': 'Ms2016_012-Box2',
      'iiif-batch:collection': 'Box1',
      'iiif-batch:attempt': '1',
    };
    expect(calls[0]).toEqual({
      jobName: 'Ms2016_012-Box2-tiles',
      jobQueue: 'iiif-default-queue',
      jobDefinition: WORKER_DEFINITION,
      arrayProperties: { size: 2 },
      containerOverrides: { environment },
      retryStrategy,
      timeout: { attemptDurationSeconds: 3600 },
      tags,
      propagateTags: true,
    });
    expect(calls[1]).toEqual({
      jobName: 'Ms2016_012-Box2-manifests',
      jobQueue: 'iiif-default-queue',
      jobDefinition: ASSEMBLER_DEFINITION,
      dependsOn: [{ jobId: 'job-1' }],
      containerOverrides: { environment },
      retryStrategy,
      timeout: { attemptDurationSeconds: 3600 },
      tags,
      propagateTags: true,
    });
    const attempt = JSON.parse(await getText(TASKS, `runs/${runId}/attempts/00001.json`)) as Record<string, unknown>;
    expect(attempt).toMatchObject({ status: 'launched', shardJobId: 'job-1', assemblerJobId: 'job-2', shards: [0, 1] });

    // Act (2): what Batch would run: each array child, then the dependent assembler.
    const containerEnv = (input: SubmitJobCommandInput): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: aws.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      LOG_FORMAT: 'json',
      // What the stack's job definitions set: the bus of the "Run finished" event.
      IIIF_BATCH_EVENT_BUS: 'iiif-bus',
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
      ...Object.fromEntries((input.containerOverrides?.environment ?? []).map((pair) => [pair.name, pair.value])),
    });
    const [shardJob, assemblerJob] = calls as [SubmitJobCommandInput, SubmitJobCommandInput];
    const size = shardJob.arrayProperties?.size ?? 1;
    const children = await Promise.all(
      Array.from({ length: size }, (_, index) =>
        runNode(join(REPO_ROOT, ENTRY_POINTS.shardWorker), {
          ...containerEnv(shardJob),
          AWS_BATCH_JOB_ARRAY_INDEX: String(index),
        }),
      ),
    );
    const assembler = await runNode(join(REPO_ROOT, ENTRY_POINTS.assembler), containerEnv(assemblerJob));

    // Assess (2): every process succeeded, and everything is published in S3.
    for (const child of children) expect(child.code, child.stderr).toBe(0);
    expect(assembler.code, assembler.stderr).toBe(0);
    const report = JSON.parse(await getText(TASKS, `runs/${runId}/report.json`)) as RunReport;
    expect(report.status).toBe('succeeded');
    expect(report.counts).toMatchObject({ images: 5, tiled: 5, failed: 0, ignored: 1, manifests: 3 });
    expect(report.missingShards).toEqual([]);
    // One "Run finished" event, from the assembler process, captured at the EventBridge stand-in.
    expect(eventBridge.events).toEqual([
      {
        source: 'iiif-batch',
        detailType: 'Run finished',
        eventBusName: 'iiif-bus',
        detail: {
          runId,
          status: 'succeeded',
          task: {
            jobName: 'Ms2016_012-Box2',
            collection: 'Box1',
            file: `s3://${TASKS}/${TASK_KEY}`,
            version: eTag,
          },
          counts: {
            items: 3,
            images: 5,
            tiled: 5,
            skipped: 0,
            failed: 0,
            ignored: 1,
            manifests: 3,
            warnings: report.warnings.length,
          },
          failures: [],
          failuresOmitted: 0,
          missingShards: [],
          // The report's warnings (e.g. QC flags on these synthetic photos), as the report has them.
          warnings: report.warnings,
          warningsOmitted: 0,
          report: `s3://${TASKS}/runs/${runId}/report.json`,
          collection: {
            location: `s3://${PUB}/pub/Box1/collection.json`,
            url: 'https://iiif.example.org/pub/Box1/collection.json',
          },
          finishedAt: report.finishedAt,
        },
      },
    ]);

    const { items } = JSON.parse(await getText(TASKS, `runs/${runId}/items/00000.json`)) as { items: PlannedItem[] };
    expect(items.map((item) => item.id)).toEqual(['Folder1', 'Folder2', 'Folder3']);
    for (const item of items) {
      for (const image of item.images) {
        const base = `pub/Box1/${item.id}/${image.name}`;
        const info = JSON.parse(await getText(PUB, `${base}/info.json`)) as {
          id: string;
          type: string;
          width: number;
          height: number;
        };
        expect(info.id).toBe(`https://iiif.example.org/${base.split('/').map(encodeURIComponent).join('/')}`);
        expect(info.type).toBe('ImageService3');
        expect(await exists(PUB, `${base}/full/max/0/default.jpg`)).toBe(true);
        expect(await exists(PUB, `${base}/vips-properties.xml`)).toBe(false);
        const head = await s3.send(new HeadObjectCommand({ Bucket: PUB, Key: `${base}/full/max/0/default.jpg` }));
        expect(head.ContentType).toBe('image/jpeg');
      }
    }
    // A 640×480 image in 256-pixel tiles: 3 × 2 tiles at full resolution, the last ones partial.
    const page1 = items.find((item) => item.id === 'Folder1')?.images[0]?.name ?? '';
    const page1Keys: string[] = [];
    for await (const object of new S3Storage(s3).list(PUB, `pub/Box1/Folder1/${page1}/`)) page1Keys.push(object.key);
    const regions = page1Keys
      .map((key) => key.split('/')[4])
      .filter((region) => /^\d+,\d+,\d+,\d+$/.test(region ?? ''));
    expect(regions).toEqual(expect.arrayContaining(['0,0,256,256', '512,0,128,256', '512,256,128,224']));

    for (const folder of ['Folder1', 'Folder2', 'Folder3']) {
      const manifest = JSON.parse(await getText(PUB, `pub/Box1/${folder}/manifest.json`)) as {
        id: string;
        type: string;
        items: unknown[];
      };
      expect(manifest.type).toBe('Manifest');
      expect(manifest.id).toBe(`https://iiif.example.org/pub/Box1/${folder}/manifest.json`);
      expect(manifest.items).toHaveLength(folder === 'Folder3' ? 1 : 2);
    }
    const collection = JSON.parse(await getText(PUB, 'pub/Box1/collection.json')) as {
      type: string;
      items: { id: string }[];
    };
    expect(collection.type).toBe('Collection');
    expect(collection.items.map((item) => item.id)).toEqual([
      'https://iiif.example.org/pub/Box1/Folder1/manifest.json',
      'https://iiif.example.org/pub/Box1/Folder2/manifest.json',
      'https://iiif.example.org/pub/Box1/Folder3/manifest.json',
    ]);
  }, 180_000);

  it('keeps retrying a task while Batch throttles, until the queue moves it to the dead-letter queue', async () => {
    // Prepare: a second task file; Batch throttles every submission now.
    batch.reset();
    const throttled = Object.assign(new Error('Too Many Requests'), {
      name: 'ClientException',
      $metadata: { httpStatusCode: 429 },
    });
    batch.on(SubmitJobCommand).rejects(throttled);
    const taskBody = box1Task('Throttled');
    const upload = await s3.send(new PutObjectCommand({ Bucket: TASKS, Key: 'tasks/throttled.json', Body: taskBody }));
    const eTag = (upload.ETag ?? '').replaceAll('"', '');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: s3Notification(TASKS, 'tasks/throttled.json', eTag, Buffer.byteLength(taskBody)),
      }),
    );

    // Act: receive as the event source mapping does until the message is gone from the queue.
    const failures: number[] = [];
    for (let round = 0; round < 20; round++) {
      const { received, response } = await deliver();
      if (received.length > 0) failures.push(response.batchItemFailures.length);
      const left = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const remaining =
        Number(left.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(left.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      if (remaining === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }

    // Assess: reported as failed on each of the 3 receives, then dead-lettered; no run claimed.
    expect(failures).toEqual([1, 1, 1]);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    expect(dead.Messages).toHaveLength(1);
    expect(JSON.parse(dead.Messages?.[0]?.Body ?? '{}').Records[0].s3.object.key).toBe('tasks/throttled.json');
    const runId = taskRunId('Throttled', TASKS, 'tasks/throttled.json', eTag);
    expect(await exists(TASKS, `runs/${runId}/run.json`)).toBe(false);
  }, 60_000);

  it('runs exactly the upload each notification names: a task file overwritten since is refused, not run as the new one', async () => {
    // Prepare: upload A (quality 81), then B (quality 100) to the same key before A's notification
    // is handled. The emulator's bucket keeps no versions, so the events name ETags.
    batch.reset();
    batch.on(SubmitJobCommand).callsFake((input: SubmitJobCommandInput) => {
      jobCounter += 1;
      return { jobId: `job-${jobCounter}`, jobName: input.jobName };
    });
    const key = 'tasks/overwritten.json';
    const body = (quality: string): string => box1Task('Overwritten', { JPEG_QUALITY: quality });
    const uploadA = await s3.send(new PutObjectCommand({ Bucket: TASKS, Key: key, Body: body('81') }));
    const uploadB = await s3.send(new PutObjectCommand({ Bucket: TASKS, Key: key, Body: body('100') }));
    const etagA = (uploadA.ETag ?? '').replaceAll('"', '');
    const etagB = (uploadB.ETag ?? '').replaceAll('"', '');
    for (const [etag, size] of [
      [etagA, Buffer.byteLength(body('81'))],
      [etagB, Buffer.byteLength(body('100'))],
    ] as const) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: s3Notification(TASKS, key, etag, size) }),
      );
    }

    // Act
    const first = await deliver();
    const second = await deliver();

    // Assess: nothing retried; A refused with its reason (named after the file: its content is
    // gone); B ran with B's settings and its record names the version it read.
    expect(etagA).not.toBe(etagB);
    expect(first.received.length + second.received.length).toBe(2);
    expect([...first.response.batchItemFailures, ...second.response.batchItemFailures]).toEqual([]);
    const refused = JSON.parse(
      await getText(TASKS, `runs/${taskRunId('overwritten', TASKS, key, etagA)}/error.json`),
    ) as { message: string };
    expect(refused.message).toContain('was overwritten after this upload was notified');
    const runB = taskRunId('Overwritten', TASKS, key, etagB);
    const record = JSON.parse(await getText(TASKS, `runs/${runB}/run.json`)) as RunRecord;
    expect(record.task.settings.jpegQuality).toBe(100);
    expect(record.source).toEqual({
      location: `s3://${TASKS}/${key}`,
      bucket: TASKS,
      key,
      version: etagB,
      etag: etagB,
    });
    expect(await exists(TASKS, `runs/${taskRunId('Overwritten', TASKS, key, etagA)}/run.json`)).toBe(false);
    const submitted = batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input);
    expect(submitted.map((input) => input.jobName)).toEqual(['Overwritten-tiles', 'Overwritten-manifests']);
  }, 60_000);

  it('refuses a task naming the destination as source and the source as destination, submitting nothing', async () => {
    // Prepare
    batch.reset();
    batch.on(SubmitJobCommand).resolves({ jobId: 'never' });
    const key = 'tasks/swapped.json';
    const taskBody = box1Task('Swapped', { AWS_SRC_BUCKET: PUB, AWS_DEST_BUCKET: SRC });
    const upload = await s3.send(new PutObjectCommand({ Bucket: TASKS, Key: key, Body: taskBody }));
    const eTag = (upload.ETag ?? '').replaceAll('"', '');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: s3Notification(TASKS, key, eTag, Buffer.byteLength(taskBody)),
      }),
    );

    // Act
    const { received, response } = await deliver();

    // Assess: the message is done with (not retried into the dead-letter queue), error.json says why.
    expect(received).toHaveLength(1);
    expect(response.batchItemFailures).toEqual([]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
    const runId = taskRunId('Swapped', TASKS, key, eTag);
    const report = JSON.parse(await getText(TASKS, `runs/${runId}/error.json`)) as { message: string; field: string };
    expect(report.field).toBe('AWS_SRC_BUCKET');
    expect(report.message).toContain(
      `AWS_SRC_BUCKET "${PUB}" is not a source bucket this deployment may use ("${PUB}" is a destination bucket of this deployment); expected one of ${SRC}`,
    );
    expect(await exists(TASKS, `runs/${runId}/run.json`)).toBe(false);
    const left = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect(left.Messages ?? []).toEqual([]);
    // The submitter announced the rejection.
    expect(eventBridge.events.filter((event) => event.detail.runId === runId)).toEqual([
      {
        source: 'iiif-batch',
        detailType: 'Task rejected',
        eventBusName: 'iiif-bus',
        detail: {
          runId,
          status: 'rejected',
          task: { file: `s3://${TASKS}/${key}`, version: eTag },
          message: report.message,
          field: 'AWS_SRC_BUCKET',
          report: `s3://${TASKS}/runs/${runId}/error.json`,
        },
      },
    ]);
  }, 60_000);
});
