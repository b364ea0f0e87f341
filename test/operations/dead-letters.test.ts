import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsMessageQueue } from '../../src/aws/dead-letter-queue.js';
import { InvalidInputError } from '../../src/errors.js';
import { processDeadLetters } from '../../src/operations/dead-letters.js';
import { RunStore } from '../../src/run/run-store.js';
import { S3Storage } from '../../src/storage/s3-storage.js';
import { taskRunId } from '../../src/submitter/run-id.js';
import { type LocalAws, startLocalAws } from '../helpers/local-aws.js';
import { legacyTaskFile } from '../helpers/task-file.js';
import { emulatorS3, writePlannedRun } from './helpers/run-records.js';

const TASK_BUCKET = 'iiif-tasks';

/** The body S3 sends to the queue when a task file is uploaded. */
function s3Event(key: string, etag: string): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: TASK_BUCKET },
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), eTag: etag, size: 100 },
        },
      },
    ],
  });
}

describe('Function: processDeadLetters (SQS and S3 on fauxqs)', () => {
  let aws: LocalAws;
  let s3: S3Client;
  let sqs: SQSClient;
  let storage: S3Storage;
  let runStore: RunStore;
  let queueUrl: string;
  let dlqUrl: string;
  let round = 0;

  async function upload(key: string, body: string): Promise<string> {
    await s3.send(new PutObjectCommand({ Bucket: TASK_BUCKET, Key: key, Body: body }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: TASK_BUCKET, Key: key }));
    return (head.ETag ?? '').replace(/"/g, '');
  }

  async function queueDepth(url: string): Promise<number> {
    const answer = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 'NaN');
  }

  beforeAll(async () => {
    aws = await startLocalAws();
    s3 = await emulatorS3(aws, [TASK_BUCKET]);
    sqs = new SQSClient(aws.clientConfig);
    storage = new S3Storage(s3);
    runStore = new RunStore(storage, { bucket: TASK_BUCKET, prefix: '' });
  });

  afterAll(async () => {
    s3.destroy();
    sqs.destroy();
    await aws.stop();
  });

  beforeEach(async () => {
    // Fresh queues per test: a task queue whose messages go to the dead-letter queue after one receive.
    round += 1;
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `tasks-dlq-${round}` }))).QueueUrl ?? '';
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn;
    queueUrl =
      (
        await sqs.send(
          new CreateQueueCommand({
            QueueName: `tasks-${round}`,
            Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '1' }) },
          }),
        )
      ).QueueUrl ?? '';
  });

  /** Send bodies to the task queue and let the queue dead-letter them (received once, never deleted). */
  async function deadLetter(bodies: readonly string[]): Promise<void> {
    for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    for (let pass = 0; pass < 3 && (await queueDepth(dlqUrl)) < bodies.length; pass++) {
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    }
    expect(await queueDepth(dlqUrl)).toBe(bodies.length);
  }

  it('lists each dead letter with the reason its task failed, and leaves them in the queue', async () => {
    // Prepare: a valid task never submitted, an invalid one with an error report, a submitted one, a stray message.
    const validEtag = await upload('tasks/box2.json', JSON.stringify(legacyTaskFile()));
    const brokenEtag = await upload('tasks/broken.json', '{"jobName": ');
    const brokenRun = taskRunId('broken', TASK_BUCKET, 'tasks/broken.json', brokenEtag);
    await runStore.putError(brokenRun, {
      message: 's3://iiif-tasks/tasks/broken.json: not JSON',
      source: 's3://iiif-tasks/tasks/broken.json',
    });
    const doneEtag = await upload('tasks/done box.json', JSON.stringify(legacyTaskFile({}, { jobName: 'Done-Box' })));
    const doneRun = taskRunId('Done-Box', TASK_BUCKET, 'tasks/done box.json', doneEtag);
    await writePlannedRun(runStore, { runId: doneRun, shards: 1, imagesPerShard: 1, launcher: 'batch' });
    await deadLetter([
      s3Event('tasks/box2.json', validEtag),
      s3Event('tasks/broken.json', brokenEtag),
      s3Event('tasks/done box.json', doneEtag),
      '{"hello": "world"}',
    ]);

    // Act
    const letters = await processDeadLetters(
      { queue: new SqsMessageQueue(sqs), storage, runStoreFor: () => runStore },
      { dlqUrl, redrive: false, visibilitySeconds: 60 },
    );

    // Assess
    expect(letters).toHaveLength(4);
    const byKey = new Map(letters.flatMap((letter) => letter.tasks.map((task) => [task.key, task] as const)));
    expect(byKey.get('tasks/box2.json')).toMatchObject({
      outcome: 'unknown',
      runId: taskRunId('Ms2016_012-Box2', TASK_BUCKET, 'tasks/box2.json', validEtag),
    });
    expect(byKey.get('tasks/box2.json')?.reason).toMatch(/no error report.*received \d+ times/);
    expect(byKey.get('tasks/broken.json')).toMatchObject({
      outcome: 'rejected',
      runId: brokenRun,
      reason: 's3://iiif-tasks/tasks/broken.json: not JSON',
    });
    expect(byKey.get('tasks/done box.json')).toMatchObject({ outcome: 'submitted', runId: doneRun });
    expect(letters.find((letter) => letter.tasks.length === 0)?.problem).toContain('expected an S3 event notification');
    expect(letters.every((letter) => !letter.redriven && (letter.receiveCount ?? 0) >= 1)).toBe(true);
    // Listing released them: they are all still in the dead-letter queue, none moved.
    expect(await queueDepth(dlqUrl)).toBe(4);
    expect(await queueDepth(queueUrl)).toBe(0);
  });

  it('moves every dead letter back to the task queue with --redrive', async () => {
    // Prepare
    const etag = await upload('tasks/again.json', JSON.stringify(legacyTaskFile()));
    const body = s3Event('tasks/again.json', etag);
    await deadLetter([body, body.replace('ObjectCreated:Put', 'ObjectCreated:Copy')]);

    // Act
    const letters = await processDeadLetters(
      { queue: new SqsMessageQueue(sqs), storage, runStoreFor: () => runStore },
      { dlqUrl, queueUrl, redrive: true, visibilitySeconds: 60 },
    );

    // Assess: the dead-letter queue is empty and the task queue holds the same bodies again.
    expect(letters.map((letter) => letter.redriven)).toEqual([true, true]);
    expect(await queueDepth(dlqUrl)).toBe(0);
    const back = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect((back.Messages ?? []).map((message) => message.Body).sort()).toEqual(
      [body, body.replace('ObjectCreated:Put', 'ObjectCreated:Copy')].sort(),
    );
  });

  it('needs the source queue to redrive', async () => {
    // Act / Assess
    await expect(
      processDeadLetters(
        { queue: new SqsMessageQueue(sqs), storage, runStoreFor: () => runStore },
        { dlqUrl, redrive: true },
      ),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });
});
