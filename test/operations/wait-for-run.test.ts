import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchJobTracker } from '../../src/aws/batch-job-tracker.js';
import type { BatchJobReader } from '../../src/operations/batch-jobs.js';
import { type WaitProgress, waitForRun } from '../../src/operations/wait-for-run.js';
import { LOCAL_STATE_BUCKET, type RunReport } from '../../src/run/run-records.js';
import { RunStore } from '../../src/run/run-store.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { runReport } from '../helpers/run-report.js';
import { shardResult, writeAttempt, writePlannedRun } from './helpers/run-records.js';

const runId = 'Box2-aaaaaaaaaaaa';

function report(): RunReport {
  return runReport(runId, {
    counts: { images: 4, tiled: 4, skipped: 0, failed: 0, ignored: 0, manifests: 2 },
    collection: undefined,
  });
}

describe('Function: waitForRun', () => {
  let root: string;
  let runStore: RunStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'wait-for-run-'));
    runStore = new RunStore(new FsStorage(root), { bucket: LOCAL_STATE_BUCKET, prefix: '' });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('follows a run from the upload to its report, counting reported images', async () => {
    // Prepare: each pause of the wait lets the "pipeline" take its next step.
    const steps = [
      () =>
        writePlannedRun(runStore, {
          runId,
          shards: 2,
          imagesPerShard: 2,
          launcher: 'batch',
          shardJobId: 'a',
          assemblerJobId: 'b',
        }),
      () => runStore.putResult(shardResult(runId, 0, 1, ['tiled', 'failed'])),
      () => runStore.putResult(shardResult(runId, 1, 1, ['tiled', 'tiled'])),
      () => runStore.putReport(report()),
    ];
    const progress: WaitProgress[] = [];
    let pauses = 0;

    // Act
    const outcome = await waitForRun(
      {
        runStore,
        sleep: async () => {
          await steps[pauses++]?.();
        },
        onProgress: (event) => progress.push(event),
      },
      { runId, intervalMs: 10 },
    );

    // Assess
    expect(outcome.status).toBe('finished');
    expect(pauses).toBe(4);
    expect(
      progress.map((event) =>
        event.phase === 'running' ? `${event.done}/${event.total}:${event.failed}` : event.phase,
      ),
    ).toEqual(['waiting', '0/4:0', '2/4:1', '4/4:1']);
  });

  it('stops at an error report from the submitter', async () => {
    // Prepare
    await runStore.putError(runId, {
      message: 'AWS_SRC_BUCKET "x" is not a bucket this deployment may use',
      source: 's3://t/tasks/a.json',
    });

    // Act
    const outcome = await waitForRun({ runStore, sleep: async () => undefined }, { runId, intervalMs: 10 });

    // Assess
    expect(outcome).toMatchObject({
      status: 'rejected',
      rejection: { message: expect.stringContaining('AWS_SRC_BUCKET') },
    });
  });

  it('stops when the assembler job failed in Batch', async () => {
    // Prepare
    await writePlannedRun(runStore, {
      runId,
      shards: 1,
      imagesPerShard: 1,
      launcher: 'batch',
      shardJobId: 'arr',
      assemblerJobId: 'asm',
    });
    await writeAttempt(runStore, {
      runId,
      attempt: 2,
      createdAt: '2025-03-02T00:00:00.000Z',
      shards: [],
      launcher: 'batch',
      status: 'launched',
      assemblerJobId: 'asm-2',
    });
    const asked: string[][] = [];
    const batch: BatchJobReader = {
      listArrayChildren: async () => [],
      describeJobs: async (ids) => {
        asked.push([...ids]);
        return [{ jobId: 'asm-2', status: 'FAILED', statusReason: 'Essential container in task exited', exitCode: 2 }];
      },
    };

    // Act
    const outcome = await waitForRun(
      { runStore, tracker: new BatchJobTracker(batch), sleep: async () => undefined },
      { runId, intervalMs: 10 },
    );

    // Assess: the latest attempt's assembler was asked about.
    expect(asked).toEqual([['asm-2']]);
    expect(outcome).toMatchObject({ status: 'assembler-failed', reason: expect.stringContaining('exit code 2') });
  });

  it('gives up after the timeout', async () => {
    // Prepare: a clock that moves a minute per pause.
    let now = 0;

    // Act
    const outcome = await waitForRun(
      {
        runStore,
        now: () => now,
        sleep: async () => {
          now += 60_000;
        },
      },
      { runId, intervalMs: 60_000, timeoutMs: 180_000 },
    );

    // Assess
    expect(outcome).toEqual({ status: 'timed-out', run: undefined });
    expect(now).toBe(180_000);
  });

  it('gives up after the start timeout when no run record nor rejection appears, but not once a run exists', async () => {
    // Prepare: a clock that moves a minute per pause; a second run that the submitter recorded.
    let now = 0;
    const clock = {
      now: () => now,
      sleep: async () => {
        now += 60_000;
      },
    };
    await writePlannedRun(runStore, { runId, shards: 1, imagesPerShard: 1, launcher: 'local' });

    // Act
    const missing = await waitForRun(
      { runStore, ...clock },
      { runId: 'Other-bbbbbbbbbbbb', intervalMs: 60_000, startTimeoutMs: 300_000 },
    );
    const startedAt = now;
    const existing = await waitForRun(
      { runStore, ...clock },
      { runId, intervalMs: 60_000, startTimeoutMs: 60_000, timeoutMs: 180_000 },
    );

    // Assess
    expect(missing).toEqual({ status: 'not-started' });
    expect(startedAt).toBe(300_000);
    expect(existing.status).toBe('timed-out');
  });
});
