import { spawnSync } from 'node:child_process';
import { BatchClient, DescribeJobsCommand, ListJobsCommand } from '@aws-sdk/client-batch';
import type { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchJobTracker } from '../../src/aws/batch-job-tracker.js';
import { BatchStatusReader } from '../../src/aws/batch-status.js';
import { formatRunStatus } from '../../src/cli/format-run-status.js';
import { RunRecordError } from '../../src/errors.js';
import { acquireLease } from '../../src/lease/acquire-lease.js';
import { leaseScopeOf } from '../../src/lease/lease-records.js';
import { LocalJobTracker } from '../../src/local/local-job-tracker.js';
import { readRunStatus } from '../../src/operations/read-run-status.js';
import type { RunReport } from '../../src/run/run-records.js';
import { RunStore } from '../../src/run/run-store.js';
import { S3Storage } from '../../src/storage/s3-storage.js';
import { currentProcess } from '../../src/util/process-identity.js';
import { type LocalAws, startLocalAws } from '../helpers/local-aws.js';
import { runReport } from '../helpers/run-report.js';
import { box2Task, emulatorS3, jobDetail, shardResult, writeAttempt, writePlannedRun } from './helpers/run-records.js';

const STATE_BUCKET = 'iiif-tasks';
const batchMock = mockClient(BatchClient);
// Without test isolation (vitest.config.ts) the next file in this worker gets the real client.
afterAll(() => batchMock.restore());
const batchTracker = new BatchJobTracker(new BatchStatusReader(new BatchClient({ region: 'us-east-1' })));
const localTracker = new LocalJobTracker();

function report(runId: string, status: 'succeeded' | 'failed', finishedAt: string): RunReport {
  return runReport(runId, {
    finishedAt,
    status,
    counts: { images: 12, tiled: 11, skipped: 0, failed: status === 'failed' ? 1 : 0, ignored: 0, manifests: 4 },
    collection: { key: 'pub/Box2/collection.json', url: 'https://example.org/pub/Box2/collection.json', items: 4 },
  });
}

describe('Function: readRunStatus', () => {
  let aws: LocalAws;
  let s3: S3Client;
  let runStore: RunStore;
  let testIndex = 0;

  beforeAll(async () => {
    aws = await startLocalAws();
    s3 = await emulatorS3(aws, [STATE_BUCKET, 'img-pub']);
  });

  afterAll(async () => {
    s3.destroy();
    await aws.stop();
  });

  beforeEach(() => {
    batchMock.reset();
    batchMock.on(ListJobsCommand).resolves({ jobSummaryList: [] });
    batchMock.on(DescribeJobsCommand).resolves({ jobs: [] });
    // Each test keeps its records under its own prefix of the emulator's bucket.
    testIndex += 1;
    runStore = new RunStore(new S3Storage(s3), { bucket: STATE_BUCKET, prefix: `status-${testIndex}` });
  });

  it('judges each shard by its result, else by its Batch child, and counts images', async () => {
    // Prepare: 4 shards of 3 images; shard 0 succeeded, shard 1 reported a failed image,
    // shard 2's child failed without reporting, shard 3's child is still running.
    const runId = 'Box2-aaaaaaaaaaaa';
    await writePlannedRun(runStore, {
      runId,
      shards: 4,
      imagesPerShard: 3,
      launcher: 'batch',
      shardJobId: 'arr-1',
      assemblerJobId: 'asm-1',
    });
    await runStore.putResult(shardResult(runId, 0, 1, ['tiled', 'tiled', 'skipped']));
    await runStore.putResult(shardResult(runId, 1, 1, ['tiled', 'failed', 'tiled']));
    batchMock.on(ListJobsCommand, { arrayJobId: 'arr-1', jobStatus: 'FAILED' }).resolves({
      jobSummaryList: [
        {
          jobId: 'arr-1:2',
          jobName: 'Box2-tiles',
          status: 'FAILED',
          statusReason: 'Essential container in task exited',
          container: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
          arrayProperties: { index: 2 },
        },
      ],
    });
    batchMock.on(ListJobsCommand, { arrayJobId: 'arr-1', jobStatus: 'RUNNING' }).resolves({
      jobSummaryList: [{ jobId: 'arr-1:3', jobName: 'Box2-tiles', status: 'RUNNING', arrayProperties: { index: 3 } }],
    });
    batchMock.on(DescribeJobsCommand, { jobs: ['asm-1'] }).resolves({
      jobs: [
        jobDetail({
          jobId: 'asm-1',
          jobName: 'Box2-manifests',
          status: 'PENDING',
          jobQueue: 'q',
          jobDefinition: 'd',
          startedAt: 0,
        }),
      ],
    });

    // Act
    const status = await readRunStatus({ runStore, tracker: batchTracker }, runId);

    // Assess
    expect(status.state).toBe('running');
    expect(status.shards).toMatchObject({ total: 4, succeeded: 1, failed: 2, running: 1, pending: 0 });
    expect(status.shards.list.map((shard) => shard.state)).toEqual(['succeeded', 'failed', 'failed', 'running']);
    expect(status.shards.list[1]?.reason).toBe('1 of 3 images failed');
    expect(status.shards.list[2]).toMatchObject({ batchStatus: 'FAILED', jobId: 'arr-1:2' });
    expect(status.shards.list[2]?.reason).toContain('OutOfMemoryError');
    expect(status.shards.list[2]?.reason).toContain('exit code 137');
    expect(status.images).toEqual({ total: 12, tiled: 4, skipped: 1, failed: 1, unreported: 6 });
    expect(status.failures).toEqual([
      { item: 'Folder1', sourceKey: 'Coll/Box2/Folder1/page2.jpg', reason: 'Input file is truncated' },
    ]);
    expect(status.assembler).toMatchObject({ state: 'pending', jobId: 'asm-1', batchStatus: 'PENDING' });
    // Every status was asked for, for the array job's children.
    const statuses = batchMock.commandCalls(ListJobsCommand).map((call) => call.args[0].input.jobStatus);
    expect(new Set(statuses)).toEqual(
      new Set(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED']),
    );
    for (const call of batchMock.commandCalls(ListJobsCommand)) expect(call.args[0].input.arrayJobId).toBe('arr-1');
  });

  it('follows ListJobs pages', async () => {
    // Prepare: 3 shards whose children failed, listed over two pages.
    const runId = 'Box2-bbbbbbbbbbbb';
    await writePlannedRun(runStore, {
      runId,
      shards: 3,
      imagesPerShard: 1,
      launcher: 'batch',
      shardJobId: 'arr-2',
      assemblerJobId: 'asm-2',
    });
    const child = (index: number) => ({
      jobId: `arr-2:${index}`,
      jobName: 'x',
      status: 'FAILED' as const,
      arrayProperties: { index },
    });
    batchMock
      .on(ListJobsCommand, { arrayJobId: 'arr-2', jobStatus: 'FAILED' })
      .resolves({ jobSummaryList: [child(0), child(1)], nextToken: 'page-2' });
    batchMock
      .on(ListJobsCommand, { arrayJobId: 'arr-2', jobStatus: 'FAILED', nextToken: 'page-2' })
      .resolves({ jobSummaryList: [child(2)] });

    // Act
    const status = await readRunStatus({ runStore, tracker: batchTracker }, runId);

    // Assess
    expect(status.shards.list.map((shard) => shard.batchStatus)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(status.state).toBe('failed');
  });

  it('takes shards of an array job whose children are not listed yet as pending', async () => {
    // Prepare: the array job was just submitted; ListJobs shows no child yet.
    const runId = 'Box2-ffffffffffff';
    await writePlannedRun(runStore, {
      runId,
      shards: 2,
      imagesPerShard: 1,
      launcher: 'batch',
      shardJobId: 'arr-5',
      assemblerJobId: 'asm-5',
    });
    batchMock
      .on(DescribeJobsCommand, { jobs: ['arr-5'] })
      .resolves({ jobs: [jobDetail({ jobId: 'arr-5', status: 'PENDING' })] });

    // Act
    const status = await readRunStatus({ runStore, tracker: batchTracker }, runId);

    // Assess: not "failed" (which would invite a resubmission of running work).
    expect(status.shards.list.map((shard) => shard.state)).toEqual(['pending', 'pending']);
    expect(status.shards.list[0]?.reason).toContain('array job arr-5 is PENDING');
  });

  it('judges a resubmitted shard by its new job, not its old result', async () => {
    // Prepare: shard 1 failed in attempt 1; attempt 2 (a plain job for one shard) is running.
    const runId = 'Box2-cccccccccccc';
    await writePlannedRun(runStore, {
      runId,
      shards: 2,
      imagesPerShard: 2,
      launcher: 'batch',
      shardJobId: 'arr-3',
      assemblerJobId: 'asm-3',
    });
    await runStore.putResult(shardResult(runId, 0, 1, ['tiled', 'tiled']));
    await runStore.putResult(shardResult(runId, 1, 1, ['tiled', 'failed']));
    await writeAttempt(runStore, {
      runId,
      attempt: 2,
      createdAt: '2025-03-02T09:00:00.000Z',
      shards: [1],
      launcher: 'batch',
      status: 'launched',
      shardJobId: 'job-r2',
      assemblerJobId: 'asm-r2',
    });
    batchMock
      .on(DescribeJobsCommand, { jobs: ['job-r2'] })
      .resolves({ jobs: [jobDetail({ jobId: 'job-r2', jobName: 'r2', status: 'RUNNING' })] });
    batchMock
      .on(DescribeJobsCommand, { jobs: ['asm-r2'] })
      .resolves({ jobs: [jobDetail({ jobId: 'asm-r2', jobName: 'a2', status: 'PENDING' })] });

    // Act
    const status = await readRunStatus({ runStore, tracker: batchTracker }, runId);

    // Assess: shard 1 now belongs to attempt 2; attempt 1's children were never listed.
    expect(status.shards.list[1]).toMatchObject({ state: 'running', attempt: 2, resultAttempt: 1, jobId: 'job-r2' });
    expect(status.assembler).toMatchObject({ state: 'pending', attempt: 2, jobId: 'asm-r2' });
    expect(batchMock.commandCalls(ListJobsCommand)).toHaveLength(0);
    expect(status.state).toBe('running');
  });

  it('reports a finished run from its records, with where the manifests are', async () => {
    // Prepare: every shard reported; the assembler succeeded and wrote a report.
    const runId = 'Box2-dddddddddddd';
    await writePlannedRun(runStore, {
      runId,
      shards: 2,
      imagesPerShard: 2,
      launcher: 'batch',
      shardJobId: 'arr-4',
      assemblerJobId: 'asm-4',
    });
    await runStore.putResult(shardResult(runId, 0, 1, ['tiled', 'tiled']));
    await runStore.putResult(shardResult(runId, 1, 1, ['skipped', 'tiled']));
    await runStore.putReport(report(runId, 'succeeded', '2025-03-01T11:00:00.000Z'));
    batchMock
      .on(DescribeJobsCommand, { jobs: ['asm-4'] })
      .resolves({ jobs: [jobDetail({ jobId: 'asm-4', jobName: 'a', status: 'SUCCEEDED' })] });

    // Act
    const status = await readRunStatus({ runStore, tracker: batchTracker }, runId);

    // Assess: no child listing is needed when every shard has its result.
    expect(status.state).toBe('succeeded');
    expect(batchMock.commandCalls(ListJobsCommand)).toHaveLength(0);
    expect(status.report).toMatchObject({
      status: 'succeeded',
      current: true,
      manifestsUnder: 's3://img-pub/pub/Box2/',
      collection: {
        location: 's3://img-pub/pub/Box2/collection.json',
        url: 'https://example.org/pub/Box2/collection.json',
      },
    });
  });

  it('takes a finished local attempt without a result as a worker that never reported', async () => {
    // Prepare
    const runId = 'Box2-20250301T100000Z-ab12';
    await writePlannedRun(runStore, { runId, shards: 2, imagesPerShard: 1, launcher: 'local' });
    await runStore.putResult(shardResult(runId, 0, 1, ['tiled']));

    // Act: the local tracker, as for a local root.
    const status = await readRunStatus({ runStore, tracker: localTracker }, runId);

    // Assess
    expect(status.shards.list[1]).toMatchObject({ state: 'failed', attempt: 1 });
    expect(status.shards.list[1]?.reason).toContain('exited without reporting');
    expect(status.assembler).toMatchObject({ state: 'failed' });
    expect(status.state).toBe('failed');
  });

  it("shows who holds the collection's lease, and when another run may take it", async () => {
    // Prepare: an interrupted local run (its keeper process is gone) and a later run refused by it.
    const runId = 'Box2-20250301T100000Z-cd34';
    await writePlannedRun(runStore, { runId, shards: 1, imagesPerShard: 1, launcher: 'local' });
    const now = new Date('2025-03-01T10:05:00.000Z');
    const gone = { ...currentProcess(), pid: spawnSync(process.execPath, ['-e', '']).pid };
    await acquireLease(
      { runStore, now: () => new Date('2025-03-01T10:00:00.000Z') },
      { scope: leaseScopeOf(box2Task()), runId, by: 'submitter', ttlSeconds: 1800, keeper: gone },
    );

    // Act
    const status = await readRunStatus({ runStore, tracker: localTracker, now: () => now }, runId);

    // Assess
    expect(status.lease).toEqual({
      collection: 'img-pub/pub/Box2',
      runId,
      by: 'submitter',
      acquiredAt: '2025-03-01T10:00:00.000Z',
      lastSign: '2025-03-01T10:00:00.000Z',
      expiresAt: '2025-03-01T10:30:00.000Z',
      free: `run ${runId} held it through process ${gone.pid} of this host, which is gone (killed or interrupted)`,
    });
    const text = formatRunStatus(status);
    expect(text).toContain(
      'Lease:      of img-pub/pub/Box2: held by this run (submitter) since 2025-03-01T10:00:00.000Z',
    );
    expect(text).toContain(`free for another run: run ${runId} held it through process ${gone.pid}`);
  });

  it('shows a task the submitter rejected', async () => {
    // Prepare: only an error report, as the submitter writes for an invalid task file.
    const runId = 'box2-eeeeeeeeeeee';
    await runStore.putError(runId, {
      message: 'environment[3] AWS_DEST_BUCKET: expected a bucket name',
      source: 's3://iiif-tasks/tasks/box2.json',
    });

    // Act
    const status = await readRunStatus({ runStore, tracker: localTracker }, runId);

    // Assess
    expect(status.state).toBe('rejected');
    expect(status.rejection?.message).toContain('AWS_DEST_BUCKET');
  });

  it('rejects an unknown run id', async () => {
    // Act / Assess
    await expect(readRunStatus({ runStore, tracker: localTracker }, 'nope-000000000000')).rejects.toBeInstanceOf(
      RunRecordError,
    );
  });
});
