import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/run/run-records.js';
import { RunStore } from '../../src/run/run-store.js';
import { S3Storage } from '../../src/storage/s3-storage.js';
import { taskRunId } from '../../src/submitter/run-id.js';
import { type LocalAws, startLocalAws } from '../helpers/local-aws.js';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';
import { runReport } from '../helpers/run-report.js';
import { legacyTaskFile } from '../helpers/task-file.js';
import { emulatorS3, shardResult, writePlannedRun } from '../operations/helpers/run-records.js';
import { type FakeBatch, startFakeBatch } from './helpers/fake-batch-endpoint.js';

const TASK_BUCKET = 'iiif-tasks';
const WORKER_DEFINITION = 'arn:aws:batch:us-east-1:123456789012:job-definition/iiif-shard-worker:7';
const ASSEMBLER_DEFINITION = 'arn:aws:batch:us-east-1:123456789012:job-definition/iiif-manifest-assembler:3';
const QUEUE = 'arn:aws:batch:us-east-1:123456789012:job-queue/iiif-queue';

const json = <T>(text: string): T => JSON.parse(text) as T;

function report(runId: string): RunReport {
  return runReport(runId, { finishedAt: new Date().toISOString() });
}

/**
 * The operator commands against "AWS" through the command line (run in the test's process): S3 and
 * SQS are fauxqs on 127.0.0.1, Batch is a recording stand-in on 127.0.0.1 (the CLI reaches both
 * through the standard AWS_ENDPOINT_URL variables). Nothing leaves this machine.
 */
describe('Operator CLI against AWS APIs (fauxqs + a Batch stand-in)', () => {
  let aws: LocalAws;
  let batch: FakeBatch;
  let s3: S3Client;
  let sqs: SQSClient;
  let runStore: RunStore;
  let root: string;
  let taskPath: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    aws = await startLocalAws();
    batch = await startFakeBatch();
    s3 = await emulatorS3(aws, [TASK_BUCKET]);
    sqs = new SQSClient(aws.clientConfig);
    runStore = new RunStore(new S3Storage(s3), { bucket: TASK_BUCKET, prefix: '' });
    root = await mkdtemp(join(tmpdir(), 'cli-cloud-'));
    taskPath = join(root, 'box2.json');
    await writeFile(taskPath, JSON.stringify(legacyTaskFile(), null, 2));
    env = {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_ENDPOINT_URL_BATCH: batch.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_MAX_ATTEMPTS: '1',
      S3_FORCE_PATH_STYLE: 'true',
      IIIF_BATCH_TASK_BUCKET: TASK_BUCKET,
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    s3.destroy();
    sqs.destroy();
    await batch.stop();
    await aws.stop();
    await rm(root, { recursive: true, force: true });
  });

  const etagOf = async (key: string): Promise<string | undefined> => {
    try {
      return (await s3.send(new HeadObjectCommand({ Bucket: TASK_BUCKET, Key: key }))).ETag;
    } catch {
      return undefined;
    }
  };

  describe('submit', () => {
    it('uploads the task file under tasks/ and prints the run id the submitter will use', async () => {
      // Act
      const result = await runCliInProcess(['submit', taskPath, '--json'], { env });

      // Assess
      expect(result.code, result.stderr).toBe(0);
      const etag = await etagOf('tasks/box2.json');
      expect(etag).toBeDefined();
      expect(json(result.stdout)).toMatchObject({
        runId: taskRunId('Ms2016_012-Box2', TASK_BUCKET, 'tasks/box2.json', etag ?? ''),
        task: 's3://iiif-tasks/tasks/box2.json',
      });
    });

    it('uploads nothing and exits 2 for an invalid task file', async () => {
      // Prepare
      const bad = join(root, 'bad.json');
      await writeFile(bad, JSON.stringify(legacyTaskFile({ TILE_SIZ: '512' })));

      // Act
      const result = await runCliInProcess(['submit', bad, '--key', 'tasks/bad.json'], { env });

      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('TILE_SIZE');
      expect(await etagOf('tasks/bad.json')).toBeUndefined();
    });

    it('--wait follows the run until the assembler wrote its report', async () => {
      // Prepare: a copy under another key, so the run is new.
      const key = 'tasks/box2-wait.json';

      // Act: start the CLI, then play the pipeline's part once the upload is there.
      const running = runCliInProcess(['submit', taskPath, '--key', key, '--wait', '--interval', '0.2', '--json'], {
        env,
      });
      let etag: string | undefined;
      for (let tries = 0; tries < 200 && etag === undefined; tries++) {
        etag = await etagOf(key);
        if (etag === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const runId = taskRunId('Ms2016_012-Box2', TASK_BUCKET, key, etag ?? '');
      await writePlannedRun(runStore, {
        runId,
        shards: 2,
        imagesPerShard: 1,
        launcher: 'batch',
        shardJobId: 'arr-w',
        assemblerJobId: 'asm-w',
      });
      batch.jobs.set('asm-w', {
        jobId: 'asm-w',
        jobName: 'w',
        status: 'PENDING',
        jobQueue: QUEUE,
        jobDefinition: ASSEMBLER_DEFINITION,
      });
      await runStore.putResult(shardResult(runId, 0, 1, ['tiled']));
      await runStore.putResult(shardResult(runId, 1, 1, ['tiled']));
      await runStore.putReport(report(runId));
      const result = await running;

      // Assess
      expect(result.code, result.stderr).toBe(0);
      expect(json(result.stdout)).toMatchObject({
        runId,
        status: 'succeeded',
        collection: { url: 'https://example.org/pub/Box2/collection.json' },
      });
    });

    it('--wait exits 2 when the submitter rejects the task', async () => {
      // Prepare
      const key = 'tasks/box2-rejected.json';

      // Act
      const running = runCliInProcess(['submit', taskPath, '--key', key, '--wait', '--interval', '0.2'], { env });
      let etag: string | undefined;
      for (let tries = 0; tries < 200 && etag === undefined; tries++) {
        etag = await etagOf(key);
        if (etag === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const runId = taskRunId('Ms2016_012-Box2', TASK_BUCKET, key, etag ?? '');
      await runStore.putError(runId, {
        message: 'AWS_DEST_BUCKET "img-pub" is not a bucket this deployment may use',
        source: `s3://${TASK_BUCKET}/${key}`,
      });
      const result = await running;

      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('is not a bucket this deployment may use');
    });
  });

  describe('status, resubmit and assemble', () => {
    const runId = 'Ms2016_012-Box2-0123456789ab';

    beforeAll(async () => {
      // A run of 3 shards: shard 0 reported; the children of shards 1 and 2 failed; so did the assembler.
      await writePlannedRun(runStore, {
        runId,
        shards: 3,
        imagesPerShard: 2,
        launcher: 'batch',
        shardJobId: 'arr-1',
        assemblerJobId: 'asm-1',
      });
      await runStore.putResult(shardResult(runId, 0, 1, ['tiled', 'tiled']));
      batch.jobs.set('arr-1', {
        jobId: 'arr-1',
        jobName: 'Ms2016_012-Box2-tiles',
        status: 'FAILED',
        jobQueue: QUEUE,
        jobDefinition: WORKER_DEFINITION,
        children: [
          { index: 0, status: 'SUCCEEDED', exitCode: 0 },
          { index: 1, status: 'FAILED', statusReason: 'Essential container in task exited', exitCode: 137 },
          { index: 2, status: 'FAILED', statusReason: 'Task failed to start' },
        ],
      });
      batch.jobs.set('asm-1', {
        jobId: 'asm-1',
        jobName: 'Ms2016_012-Box2-manifests',
        status: 'FAILED',
        statusReason: 'Dependent Job failed',
        jobQueue: QUEUE,
        jobDefinition: ASSEMBLER_DEFINITION,
      });
    });

    it('status: shards from Batch children and records, the assembler from Batch (exit 1)', async () => {
      // Act
      const result = await runCliInProcess(['status', runId, '--json'], { env });
      const text = await runCliInProcess(['status', runId], { env });

      // Assess
      expect(result.code, result.stderr).toBe(1);
      const status = json<{
        state: string;
        shards: Record<string, unknown> & { list: { reason?: string }[] };
        assembler: Record<string, unknown>;
      }>(result.stdout);
      expect(status.state).toBe('failed');
      expect(status.shards).toMatchObject({ total: 3, succeeded: 1, failed: 2, running: 0, pending: 0 });
      expect(status.shards.list[1]?.reason).toContain('exit code 137');
      expect(status.assembler).toMatchObject({ state: 'failed', jobId: 'asm-1', reason: 'Dependent Job failed' });
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/shard 2 \(attempt 1\): failed: Batch job failed: Task failed to start/);
    });

    it('resubmit: a new array job of the failed shards and an assembler depending on it (exit 0)', async () => {
      // Prepare
      const before = batch.calls.length;

      // Act
      const result = await runCliInProcess(['resubmit', runId, '--json'], { env });

      // Assess: the jobs, with the queue and definitions of the run's earlier jobs.
      expect(result.code, result.stderr).toBe(0);
      const submits = batch.calls
        .slice(before)
        .filter((call) => call.operation === 'submitjob')
        .map((call) => call.body);
      expect(submits).toHaveLength(2);
      expect(submits[0]).toMatchObject({
        jobDefinition: WORKER_DEFINITION,
        jobQueue: QUEUE,
        arrayProperties: { size: 2 },
      });
      expect(submits[1]).toMatchObject({ jobDefinition: ASSEMBLER_DEFINITION, dependsOn: [{ jobId: 'fake-job-1' }] });
      expect(json(result.stdout)).toMatchObject({
        status: 'launched',
        attempt: 2,
        shards: [1, 2],
        shardJobId: 'fake-job-1',
        assemblerJobId: 'fake-job-2',
      });
      expect(await runStore.getAttempt(runId, 2)).toMatchObject({
        shards: [1, 2],
        shardJobId: 'fake-job-1',
        assemblerJobId: 'fake-job-2',
      });
    });

    it('resubmit and assemble refuse while the new jobs are pending (exit 1)', async () => {
      // Act: the stand-in leaves submitted jobs SUBMITTED.
      const resubmit = await runCliInProcess(['resubmit', runId], { env });
      const assemble = await runCliInProcess(['assemble', runId], { env });

      // Assess
      expect(resubmit.code).toBe(1);
      expect(resubmit.stderr).toContain('still has 2 shard(s) running or pending');
      expect(assemble.code).toBe(1);
      expect(assemble.stderr).toContain('is still running');
    });

    it('assemble --force: the assembler job alone, depending on nothing (exit 0)', async () => {
      // Prepare
      const before = batch.calls.length;

      // Act
      const result = await runCliInProcess(['assemble', runId, '--force', '--json'], { env });

      // Assess
      expect(result.code, result.stderr).toBe(0);
      const submits = batch.calls
        .slice(before)
        .filter((call) => call.operation === 'submitjob')
        .map((call) => call.body);
      expect(submits).toHaveLength(1);
      expect(submits[0]).toMatchObject({
        jobDefinition: ASSEMBLER_DEFINITION,
        jobName: 'Ms2016_012-Box2-r3-manifests',
      });
      expect(submits[0]?.dependsOn).toBeUndefined();
      expect(json(result.stdout)).toMatchObject({ attempt: 3, assemblerJobId: 'fake-job-3' });
    });

    it('status exits 2 for an unknown run', async () => {
      // Act
      const result = await runCliInProcess(['status', 'nope-000000000000'], { env });

      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('No run "nope-000000000000"');
    });
  });

  describe('dlq', () => {
    let queueUrl: string;
    let dlqUrl: string;
    const depth = async (url: string): Promise<number> =>
      Number(
        (
          await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
          )
        ).Attributes?.ApproximateNumberOfMessages,
      );

    beforeAll(async () => {
      dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'cli-tasks-dlq' }))).QueueUrl ?? '';
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] })))
        .Attributes?.QueueArn;
      queueUrl =
        (
          await sqs.send(
            new CreateQueueCommand({
              QueueName: 'cli-tasks',
              Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: '1' }) },
            }),
          )
        ).QueueUrl ?? '';
      // A task message the submitter gave up on.
      await s3.send(
        new PutObjectCommand({ Bucket: TASK_BUCKET, Key: 'tasks/dead.json', Body: JSON.stringify(legacyTaskFile()) }),
      );
      const etag = (await etagOf('tasks/dead.json'))?.replace(/"/g, '');
      const body = JSON.stringify({
        Records: [
          {
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: TASK_BUCKET }, object: { key: 'tasks/dead.json', eTag: etag } },
          },
        ],
      });
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      for (let pass = 0; pass < 3 && (await depth(dlqUrl)) === 0; pass++) {
        await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));
      }
    });

    it('lists the dead letters with their task files and reasons (exit 0)', async () => {
      // Act
      const result = await runCliInProcess(['dlq', '--json'], { env: { ...env, IIIF_BATCH_DLQ_URL: dlqUrl } });
      const text = await runCliInProcess(['dlq'], { env: { ...env, IIIF_BATCH_DLQ_URL: dlqUrl } });

      // Assess
      expect(result.code, result.stderr).toBe(0);
      const listed = json<{ messages: { tasks: { location: string; reason: string }[] }[] }>(result.stdout);
      expect(listed.messages).toHaveLength(1);
      expect(listed.messages[0]?.tasks[0]).toMatchObject({
        location: 's3://iiif-tasks/tasks/dead.json',
        reason: expect.stringContaining('no error report'),
      });
      expect(text.stdout).toContain('s3://iiif-tasks/tasks/dead.json');
      expect(await depth(dlqUrl)).toBe(1);
    });

    it('--redrive needs the source queue (exit 2), then moves the messages back (exit 0)', async () => {
      // Act
      const missing = await runCliInProcess(['dlq', '--redrive', '--dlq-url', dlqUrl], { env });
      const moved = await runCliInProcess(
        ['dlq', '--redrive', '--dlq-url', dlqUrl, '--queue-url', queueUrl, '--json'],
        { env },
      );

      // Assess
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--queue-url');
      expect(moved.code, moved.stderr).toBe(0);
      expect(json(moved.stdout)).toMatchObject({ redriven: 1 });
      expect(await depth(dlqUrl)).toBe(0);
      expect(await depth(queueUrl)).toBe(1);
    });
  });
});
