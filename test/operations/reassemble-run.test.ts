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
import type { BatchSubmitConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { type AssemblerLauncher, reassembleRun } from '../../src/operations/reassemble-run.js';
import { RunStillActiveError } from '../../src/operations/resubmit-run.js';
import { RunStore } from '../../src/run/run-store.js';
import { S3Storage } from '../../src/storage/s3-storage.js';
import { BatchJobLauncher } from '../../src/submitter/batch-launcher.js';
import { type LocalAws, startLocalAws } from '../helpers/local-aws.js';
import { emulatorS3, jobDetail, shardResult, writePlannedRun } from './helpers/run-records.js';

const STATE_BUCKET = 'iiif-tasks';
const config: BatchSubmitConfig = {
  jobQueue: 'iiif-queue',
  workerJobDefinition: 'iiif-shard-worker:1',
  assemblerJobDefinition: 'iiif-manifest-assembler:1',
  workerTimeoutSeconds: undefined,
  assemblerTimeoutSeconds: 1800,
  attempts: 2,
};

const batchMock = mockClient(BatchClient);

// Without test isolation (vitest.config.ts) the next file in this worker gets the real client.

afterAll(() => batchMock.restore());
const client = new BatchClient({ region: 'us-east-1' });

function batchAssembler(): AssemblerLauncher {
  const launcher = new BatchJobLauncher(client, config, silentLogger);
  return {
    kind: 'batch',
    waitsForJobs: false,
    launchAssembler: async (request) => ({
      assemblerJobId: (await launcher.launchAssembler({ ...request, shards: [] })).assemblerJobId,
      completed: false,
    }),
  };
}

describe('Function: reassembleRun (AWS Batch)', () => {
  let aws: LocalAws;
  let s3: S3Client;
  let runStore: RunStore;
  let testIndex = 0;

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
    batchMock.on(SubmitJobCommand).resolves({ jobId: 'asm-again', jobName: 'x', jobArn: 'arn:x' });
    testIndex += 1;
    runStore = new RunStore(new S3Storage(s3), { bucket: STATE_BUCKET, prefix: `assemble-${testIndex}` });
  });

  it('submits the assembler job alone and records it as an attempt without shards', async () => {
    // Prepare: a finished run whose assembler failed.
    const runId = 'Box2-aaaaaaaaaaaa';
    await writePlannedRun(runStore, {
      runId,
      shards: 2,
      imagesPerShard: 1,
      launcher: 'batch',
      shardJobId: 'arr-1',
      assemblerJobId: 'asm-1',
    });
    await runStore.putResult(shardResult(runId, 0, 1, ['tiled']));
    await runStore.putResult(shardResult(runId, 1, 1, ['tiled']));
    batchMock
      .on(DescribeJobsCommand, { jobs: ['asm-1'] })
      .resolves({ jobs: [jobDetail({ jobId: 'asm-1', status: 'FAILED' })] });

    // Act
    const outcome = await reassembleRun(
      {
        runStore,
        tracker: new BatchJobTracker(new BatchStatusReader(client)),
        logger: silentLogger,
        launcher: async () => batchAssembler(),
      },
      { runId },
    );

    // Assess: one SubmitJob, of the assembler definition, depending on nothing, told attempt 2.
    const inputs: SubmitJobCommandInput[] = batchMock.commandCalls(SubmitJobCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({
      jobDefinition: 'iiif-manifest-assembler:1',
      jobQueue: 'iiif-queue',
      jobName: 'Ms2016_012-Box2-r2-manifests',
    });
    expect(inputs[0]?.dependsOn).toBeUndefined();
    expect(inputs[0]?.arrayProperties).toBeUndefined();
    expect(inputs[0]?.containerOverrides?.environment).toContainEqual({ name: 'IIIF_BATCH_ATTEMPT', value: '2' });
    expect(outcome).toMatchObject({ assemblerJobId: 'asm-again', completed: false });
    expect(await runStore.getAttempt(runId, 2)).toMatchObject({
      shards: [],
      status: 'launched',
      assemblerJobId: 'asm-again',
    });
  });

  it('refuses while shards are still running unless forced', async () => {
    // Prepare: shard 1 is still running.
    const runId = 'Box2-bbbbbbbbbbbb';
    await writePlannedRun(runStore, {
      runId,
      shards: 2,
      imagesPerShard: 1,
      launcher: 'batch',
      shardJobId: 'arr-1',
      assemblerJobId: 'asm-1',
    });
    await runStore.putResult(shardResult(runId, 0, 1, ['tiled']));
    batchMock.on(ListJobsCommand, { arrayJobId: 'arr-1', jobStatus: 'RUNNING' }).resolves({
      jobSummaryList: [{ jobId: 'arr-1:1', jobName: 'x', status: 'RUNNING', arrayProperties: { index: 1 } }],
    });
    const deps = {
      runStore,
      tracker: new BatchJobTracker(new BatchStatusReader(client)),
      logger: silentLogger,
      launcher: async () => batchAssembler(),
    };

    // Act / Assess
    await expect(reassembleRun(deps, { runId })).rejects.toBeInstanceOf(RunStillActiveError);
    expect(batchMock.commandCalls(SubmitJobCommand)).toHaveLength(0);
    await expect(reassembleRun(deps, { runId, force: true })).resolves.toMatchObject({ assemblerJobId: 'asm-again' });
  });
});
