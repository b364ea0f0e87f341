import {
  BatchClient,
  DescribeJobsCommand,
  ListJobsCommand,
  SubmitJobCommand,
  type SubmitJobCommandInput,
} from '@aws-sdk/client-batch';
import type { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchJobTracker } from '../../src/aws/batch-job-tracker.js';
import { BatchStatusReader } from '../../src/aws/batch-status.js';
import { readCliCloudConfig } from '../../src/config.js';
import { ConfigError, LeaseHeldError } from '../../src/errors.js';
import { leaseScopeOf } from '../../src/lease/lease-records.js';
import { readLease } from '../../src/lease/read-lease.js';
import { silentLogger } from '../../src/log.js';
import { resolveBatchSubmitConfig } from '../../src/operations/resolve-batch-config.js';
import { RunStillActiveError, resubmitRun } from '../../src/operations/resubmit-run.js';
import { RunStore } from '../../src/run/run-store.js';
import { S3Storage } from '../../src/storage/s3-storage.js';
import { BatchJobLauncher } from '../../src/submitter/batch-launcher.js';
import { type LocalAws, startLocalAws } from '../helpers/local-aws.js';
import { box2Task, emulatorS3, jobDetail, shardResult, writePlannedRun } from './helpers/run-records.js';

const STATE_BUCKET = 'iiif-tasks';
const WORKER_DEFINITION = 'arn:aws:batch:us-east-1:123456789012:job-definition/iiif-shard-worker:7';
const ASSEMBLER_DEFINITION = 'arn:aws:batch:us-east-1:123456789012:job-definition/iiif-manifest-assembler:3';
const QUEUE = 'arn:aws:batch:us-east-1:123456789012:job-queue/iiif-queue';

const batchMock = mockClient(BatchClient);

// Without test isolation (vitest.config.ts) the next file in this worker gets the real client.

afterAll(() => batchMock.restore());
const client = new BatchClient({ region: 'us-east-1' });
const tracker = new BatchJobTracker(new BatchStatusReader(client));

describe('Function: resubmitRun (AWS Batch)', () => {
  let aws: LocalAws;
  let s3: S3Client;
  let runStore: RunStore;
  let testIndex = 0;

  /** A run of 5 shards: 0, 2 and 4 succeeded; 1 reported a failed image; 3's child failed without reporting. */
  async function failedRun(runId: string): Promise<void> {
    await writePlannedRun(runStore, {
      runId,
      shards: 5,
      imagesPerShard: 2,
      launcher: 'batch',
      shardJobId: 'arr-1',
      assemblerJobId: 'asm-1',
    });
    await runStore.putResult(shardResult(runId, 0, 1, ['tiled', 'tiled']));
    await runStore.putResult(shardResult(runId, 1, 1, ['tiled', 'failed']));
    await runStore.putResult(shardResult(runId, 2, 1, ['tiled', 'skipped']));
    await runStore.putResult(shardResult(runId, 4, 1, ['tiled', 'tiled']));
    batchMock.on(ListJobsCommand, { arrayJobId: 'arr-1', jobStatus: 'FAILED' }).resolves({
      jobSummaryList: [
        {
          jobId: 'arr-1:3',
          jobName: 'Box2-tiles',
          status: 'FAILED',
          statusReason: 'Host EC2 (instance i-1) terminated.',
          arrayProperties: { index: 3 },
        },
      ],
    });
    batchMock.on(DescribeJobsCommand, { jobs: ['asm-1'] }).resolves({
      jobs: [
        jobDetail({
          jobId: 'asm-1',
          jobName: 'Box2-manifests',
          status: 'FAILED',
          statusReason: 'Dependent Job failed',
        }),
      ],
    });
  }

  function launcherFactory() {
    return async (status: Parameters<Parameters<typeof resubmitRun>[0]['launcher']>[0]) => {
      const config = await resolveBatchSubmitConfig(readCliCloudConfig({}, {}).batch, status.attempts, tracker);
      return new BatchJobLauncher(client, config, silentLogger);
    };
  }

  const submitted = (): SubmitJobCommandInput[] =>
    batchMock.commandCalls(SubmitJobCommand).map((call) => call.args[0].input);

  beforeAll(async () => {
    aws = await startLocalAws();
    s3 = await emulatorS3(aws, [STATE_BUCKET]);
  });

  afterAll(async () => {
    s3.destroy();
    await aws.stop();
  });

  beforeEach(() => {
    batchMock.reset();
    batchMock.on(ListJobsCommand).resolves({ jobSummaryList: [] });
    batchMock.on(DescribeJobsCommand).resolves({ jobs: [] });
    // The run's earlier jobs tell the queue and definitions (no configuration given).
    batchMock.on(DescribeJobsCommand, { jobs: ['arr-1', 'asm-1'] }).resolves({
      jobs: [
        jobDetail({
          jobId: 'arr-1',
          jobName: 'Box2-tiles',
          status: 'FAILED',
          jobQueue: QUEUE,
          jobDefinition: WORKER_DEFINITION,
        }),
        jobDetail({
          jobId: 'asm-1',
          jobName: 'Box2-manifests',
          status: 'FAILED',
          jobQueue: QUEUE,
          jobDefinition: ASSEMBLER_DEFINITION,
        }),
      ],
    });
    batchMock.on(SubmitJobCommand).callsFake((input: SubmitJobCommandInput) => ({
      jobId: input.jobName?.endsWith('-tiles') ? 'arr-new' : 'asm-new',
      jobName: input.jobName,
      jobArn: `arn:aws:batch:us-east-1:123456789012:job/${input.jobName}`,
    }));
    testIndex += 1;
    runStore = new RunStore(new S3Storage(s3), { bucket: STATE_BUCKET, prefix: `resubmit-${testIndex}` });
  });

  it('submits a new array job of exactly the failed shards and an assembler that depends on it', async () => {
    // Prepare
    const runId = 'Box2-aaaaaaaaaaaa';
    await failedRun(runId);

    // Act
    const outcome = await resubmitRun(
      { runStore, tracker, logger: silentLogger, launcher: launcherFactory() },
      { runId },
    );

    // Assess: the plan.
    expect(outcome.status).toBe('launched');
    expect(outcome.plan.shards).toEqual([1, 3]);
    expect(outcome.plan.attempt).toBe(2);
    // The jobs: an array of 2 children, then the assembler after it, both told attempt 2.
    const [tiles, manifests] = submitted();
    expect(submitted()).toHaveLength(2);
    expect(tiles).toMatchObject({
      jobName: 'Ms2016_012-Box2-r2-tiles',
      jobQueue: QUEUE,
      jobDefinition: WORKER_DEFINITION,
      arrayProperties: { size: 2 },
    });
    expect(tiles?.containerOverrides?.environment).toEqual(
      expect.arrayContaining([
        { name: 'IIIF_BATCH_RUN_ID', value: runId },
        { name: 'IIIF_BATCH_ATTEMPT', value: '2' },
        { name: 'IIIF_BATCH_STATE_BUCKET', value: STATE_BUCKET },
        { name: 'IIIF_BATCH_STATE_PREFIX', value: runStore.state.prefix },
      ]),
    );
    expect(manifests).toMatchObject({
      jobName: 'Ms2016_012-Box2-r2-manifests',
      jobDefinition: ASSEMBLER_DEFINITION,
      dependsOn: [{ jobId: 'arr-new' }],
    });
    // The attempt is recorded, and each new child finds its original shard through it.
    const attempt = await runStore.getAttempt(runId, 2);
    expect(attempt).toMatchObject({
      shards: [1, 3],
      launcher: 'batch',
      status: 'launched',
      shardJobId: 'arr-new',
      assemblerJobId: 'asm-new',
    });
    expect(await runStore.shardForChild(runId, 2, 0)).toBe(1);
    expect(await runStore.shardForChild(runId, 2, 1)).toBe(3);
  });

  it("keeps the run's lease for its jobs, and is refused, launching nothing, while another run holds it", async () => {
    // Prepare: two failed runs of one collection; the second one is resubmitted first.
    await failedRun('Box2-cccccccccccc');
    await failedRun('Box2-dddddddddddd');
    const deps = { runStore, tracker, logger: silentLogger, launcher: launcherFactory() };
    await resubmitRun(deps, { runId: 'Box2-dddddddddddd' });
    batchMock.resetHistory();

    // Act
    const error = await resubmitRun(deps, { runId: 'Box2-cccccccccccc' }).catch((caught: unknown) => caught);

    // Assess
    const lease = await readLease(runStore, leaseScopeOf(box2Task()));
    expect(lease?.record).toMatchObject({ runId: 'Box2-dddddddddddd', by: 'resubmit' });
    expect(lease?.record.keeper).toBeUndefined();
    expect(lease?.release).toBeUndefined();
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect((error as LeaseHeldError).holder.runId).toBe('Box2-dddddddddddd');
    expect(submitted()).toEqual([]);
    expect(await runStore.getAttempt('Box2-cccccccccccc', 2)).toBeUndefined();
  });

  it('submits a plain job when one shard failed', async () => {
    // Prepare: every shard but 2 succeeded.
    const runId = 'Box2-bbbbbbbbbbbb';
    await writePlannedRun(runStore, {
      runId,
      shards: 3,
      imagesPerShard: 1,
      launcher: 'batch',
      shardJobId: 'arr-1',
      assemblerJobId: 'asm-1',
    });
    await runStore.putResult(shardResult(runId, 0, 1, ['tiled']));
    await runStore.putResult(shardResult(runId, 1, 1, ['tiled']));
    await runStore.putResult(shardResult(runId, 2, 1, ['failed']));

    // Act
    const outcome = await resubmitRun(
      { runStore, tracker, logger: silentLogger, launcher: launcherFactory() },
      { runId },
    );

    // Assess
    expect(outcome.plan.shards).toEqual([2]);
    expect(submitted()[0]?.arrayProperties).toBeUndefined();
    expect(submitted()[1]?.dependsOn).toEqual([{ jobId: 'arr-new' }]);
  });

  it('changes nothing on a dry run', async () => {
    // Prepare
    const runId = 'Box2-cccccccccccc';
    await failedRun(runId);

    // Act
    const outcome = await resubmitRun(
      { runStore, tracker, logger: silentLogger, launcher: launcherFactory() },
      { runId, dryRun: true },
    );

    // Assess
    expect(outcome.status).toBe('dry-run');
    expect(outcome.plan.shards).toEqual([1, 3]);
    expect(outcome.plan.reasons.map((shard) => shard.reason)).toEqual([
      '1 of 2 images failed',
      expect.stringContaining('Host EC2'),
    ]);
    expect(submitted()).toHaveLength(0);
    expect(await runStore.getAttempt(runId, 2)).toBeUndefined();
  });

  it('refuses while shards are still running, and includes them with force', async () => {
    // Prepare: shard 3 is still running, shard 1 failed.
    const runId = 'Box2-dddddddddddd';
    await failedRun(runId);
    batchMock.on(ListJobsCommand, { arrayJobId: 'arr-1', jobStatus: 'FAILED' }).resolves({ jobSummaryList: [] });
    batchMock.on(ListJobsCommand, { arrayJobId: 'arr-1', jobStatus: 'RUNNING' }).resolves({
      jobSummaryList: [{ jobId: 'arr-1:3', jobName: 'Box2-tiles', status: 'RUNNING', arrayProperties: { index: 3 } }],
    });
    const deps = { runStore, tracker, logger: silentLogger, launcher: launcherFactory() };

    // Act / Assess
    await expect(resubmitRun(deps, { runId })).rejects.toBeInstanceOf(RunStillActiveError);
    expect(submitted()).toHaveLength(0);
    const forced = await resubmitRun(deps, { runId, force: true });
    expect(forced.plan.shards).toEqual([1, 3]);
  });

  it('has nothing to do when every shard succeeded', async () => {
    // Prepare
    const runId = 'Box2-eeeeeeeeeeee';
    await writePlannedRun(runStore, {
      runId,
      shards: 2,
      imagesPerShard: 1,
      launcher: 'batch',
      shardJobId: 'arr-1',
      assemblerJobId: 'asm-1',
    });
    await runStore.putResult(shardResult(runId, 0, 1, ['tiled']));
    await runStore.putResult(shardResult(runId, 1, 1, ['skipped']));

    // Act
    const outcome = await resubmitRun(
      { runStore, tracker, logger: silentLogger, launcher: launcherFactory() },
      { runId },
    );

    // Assess
    expect(outcome.status).toBe('nothing');
    expect(submitted()).toHaveLength(0);
  });

  it('names the flag and variable when Batch no longer knows the definitions', async () => {
    // Prepare: Batch has forgotten the run's jobs and nothing is configured.
    const runId = 'Box2-ffffffffffff';
    await failedRun(runId);
    batchMock.on(DescribeJobsCommand, { jobs: ['arr-1', 'asm-1'] }).resolves({ jobs: [] });

    // Act / Assess
    const attempt = resubmitRun({ runStore, tracker, logger: silentLogger, launcher: launcherFactory() }, { runId });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/--job-queue or set IIIF_BATCH_JOB_QUEUE/);
  });
});
