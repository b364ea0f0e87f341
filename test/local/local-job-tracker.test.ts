import { describe, expect, it } from 'vitest';
import { LocalJobTracker } from '../../src/local/local-job-tracker.js';
import type { AttemptRecord } from '../../src/run/run-records.js';

function attempt(status: AttemptRecord['status']): AttemptRecord {
  return {
    runId: 'Box2-20250301T100000Z-ab12',
    attempt: 2,
    createdAt: '2025-03-01T10:00:00.000Z',
    shards: [3, 5],
    launcher: 'local',
    status,
  };
}

describe('Class: LocalJobTracker', () => {
  const tracker = new LocalJobTracker();
  const now = new Date('2025-03-01T11:00:00.000Z');
  const unreported = [
    { child: 0, missing: 'no result record' },
    { child: 1, missing: 'no result from attempt 2 (latest from attempt 1)' },
  ];

  it('takes the jobs of an attempt still launching as running (or interrupted)', async () => {
    // Act
    const shards = await tracker.shardJobs(attempt('launching'), unreported, now);
    const assembler = await tracker.assemblerJob(attempt('launching'), false, now);

    // Assess
    expect(shards.get(1)).toEqual({
      state: 'running',
      reason:
        'no result from attempt 2 (latest from attempt 1) yet: attempt 2 is running on this machine, or was interrupted',
    });
    expect(assembler).toEqual({ state: 'pending', reason: 'attempt 2 is running on this machine, or was interrupted' });
  });

  it('takes a finished attempt without a result or report as failed', async () => {
    // Act
    const shards = await tracker.shardJobs(attempt('launched'), unreported, now);

    // Assess
    expect(shards.get(0)).toEqual({ state: 'failed', reason: 'no result record: the worker exited without reporting' });
    expect(await tracker.assemblerJob(attempt('launched'), false, now)).toEqual({
      state: 'failed',
      reason: 'the assembler of attempt 2 wrote no report',
    });
    expect(await tracker.assemblerJob(attempt('launched'), true, now)).toEqual({ state: 'succeeded' });
  });
});
