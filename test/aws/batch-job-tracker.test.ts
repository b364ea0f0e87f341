import { describe, expect, it } from 'vitest';
import { BatchJobTracker } from '../../src/aws/batch-job-tracker.js';
import type { BatchJobReader, BatchJobView } from '../../src/operations/batch-jobs.js';
import type { AttemptRecord } from '../../src/run/run-records.js';

const CREATED_AT = '2025-03-01T10:00:00.000Z';

function attempt(fields: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    runId: 'Box2-aaaaaaaaaaaa',
    attempt: 1,
    createdAt: CREATED_AT,
    shards: [0, 1, 2],
    launcher: 'batch',
    status: 'launched',
    shardJobId: 'arr',
    assemblerJobId: 'asm',
    ...fields,
  };
}

/** A Batch that knows `jobs` (array children by their arrayIndex) and records what it was asked. */
function batch(jobs: readonly BatchJobView[]): BatchJobReader & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    listArrayChildren: async (arrayJobId) => {
      asked.push(`list ${arrayJobId}`);
      return jobs.filter((job) => job.jobId.startsWith(`${arrayJobId}:`));
    },
    describeJobs: async (ids) => {
      asked.push(`describe ${ids.join(',')}`);
      return jobs.filter((job) => ids.includes(job.jobId));
    },
  };
}

const minutesAfter = (minutes: number) => new Date(Date.parse(CREATED_AT) + minutes * 60_000);
const missing = (child: number) => ({ child, missing: 'no result record' });

describe('Class: BatchJobTracker', () => {
  it("judges each child of an attempt's array job from Batch", async () => {
    // Prepare
    const reader = batch([
      {
        jobId: 'arr:0',
        status: 'FAILED',
        statusReason: 'Essential container in task exited',
        exitCode: 1,
        arrayIndex: 0,
      },
      { jobId: 'arr:1', status: 'SUCCEEDED', arrayIndex: 1 },
      { jobId: 'arr:2', status: 'RUNNABLE', arrayIndex: 2 },
    ]);

    // Act
    const jobs = await new BatchJobTracker(reader).shardJobs(attempt(), [0, 1, 2].map(missing), minutesAfter(1));

    // Assess
    expect(jobs.get(0)).toEqual({
      state: 'failed',
      jobId: 'arr:0',
      batchStatus: 'FAILED',
      reason: 'Batch job failed: Essential container in task exited (exit code 1)',
    });
    expect(jobs.get(1)).toMatchObject({
      state: 'failed',
      reason: 'no result record: the Batch job succeeded without writing one',
    });
    expect(jobs.get(2)).toEqual({ state: 'pending', jobId: 'arr:2', batchStatus: 'RUNNABLE' });
    expect(reader.asked).toEqual(['list arr']);
  });

  it('takes an attempt without a shard job as being submitted for five minutes, then as abandoned', async () => {
    // Prepare
    const tracker = new BatchJobTracker(batch([]));
    const unsubmitted = attempt({ status: 'launching', shardJobId: undefined, assemblerJobId: undefined });

    // Act
    const early = await tracker.shardJobs(unsubmitted, [missing(0)], minutesAfter(4));
    const late = await tracker.shardJobs(unsubmitted, [missing(0)], minutesAfter(6));
    const assembler = await tracker.assemblerJob(unsubmitted, false, minutesAfter(6));

    // Assess
    expect(early.get(0)).toEqual({ state: 'pending', reason: 'attempt 1 is being submitted to Batch' });
    expect(late.get(0)).toEqual({ state: 'failed', reason: 'attempt 1 was recorded but never submitted to Batch' });
    expect(assembler).toEqual({ state: 'failed', reason: 'attempt 1 was recorded but its assembler never submitted' });
  });

  it('trusts the report for an assembler job Batch has forgotten', async () => {
    // Prepare
    const tracker = new BatchJobTracker(batch([]));

    // Act / Assess
    expect(await tracker.assemblerJob(attempt(), true, minutesAfter(90))).toEqual({ state: 'succeeded', jobId: 'asm' });
    expect(await tracker.assemblerJob(attempt(), false, minutesAfter(90))).toMatchObject({ state: 'unknown' });
  });

  it("finds the queue and job definitions of the run's latest Batch jobs", async () => {
    // Prepare
    const reader = batch([
      { jobId: 'arr-2', status: 'FAILED', jobQueue: 'q', jobDefinition: 'worker:2' },
      { jobId: 'asm-1', status: 'SUCCEEDED', jobQueue: 'q', jobDefinition: 'assembler:1' },
    ]);
    const attempts = [
      attempt({ shardJobId: 'arr-1', assemblerJobId: 'asm-1' }),
      attempt({ attempt: 2, shardJobId: 'arr-2', assemblerJobId: undefined }),
    ];

    // Act
    const settings = await new BatchJobTracker(reader).launchSettings(attempts);

    // Assess
    expect(settings).toEqual({ jobQueue: 'q', workerJobDefinition: 'worker:2', assemblerJobDefinition: 'assembler:1' });
    expect(reader.asked).toEqual(['describe arr-2,asm-1']);
  });
});
