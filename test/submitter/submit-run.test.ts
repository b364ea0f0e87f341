import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CsvError, LeaseHeldError, PlanError, StorageError } from '../../src/errors.js';
import { acquireLease } from '../../src/lease/acquire-lease.js';
import { leaseScopeOf } from '../../src/lease/lease-records.js';
import { readLease } from '../../src/lease/read-lease.js';
import { silentLogger } from '../../src/log.js';
import { RunStore } from '../../src/run/run-store.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import type { JobLauncher, LaunchRequest, LaunchResult } from '../../src/submitter/job-launcher.js';
import { recordingReserve, submitRun } from '../../src/submitter/submit-run.js';
import { parseTaskFile } from '../../src/task/parse-task-file.js';
import { currentProcess } from '../../src/util/process-identity.js';
import { RecordingStorage } from '../helpers/recording-storage.js';
import { legacyTaskFile } from '../helpers/task-file.js';

/** A launcher that records what it was asked to launch (and can be told to fail). */
class RecordingLauncher implements JobLauncher {
  public readonly kind = 'batch' as const;
  public readonly waitsForJobs = false;
  public readonly requests: LaunchRequest[] = [];
  public failWith: Error | undefined;

  public async launch(request: LaunchRequest): Promise<LaunchResult> {
    if (this.failWith !== undefined) throw this.failWith;
    this.requests.push(request);
    return {
      shardJobId: `array-${this.requests.length}`,
      assemblerJobId: `assembler-${this.requests.length}`,
      completed: false,
    };
  }
}

describe('Function: submitRun', () => {
  let root: string;
  let storage: FsStorage;
  let runStore: RunStore;
  let launcher: RecordingLauncher;
  const task = parseTaskFile(
    JSON.stringify(legacyTaskFile({ ACCESS_DIR: 'Coll/Box1', CSV_NAME: 'box1.csv', SHARD_COUNT: '2' })),
  );
  const source = { location: 's3://tasks/tasks/box1.json', bucket: 'tasks', key: 'tasks/box1.json', version: 'v1' };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'submit-run-'));
    storage = new FsStorage(root);
    runStore = new RunStore(storage, { bucket: 'tasks', prefix: '' });
    launcher = new RecordingLauncher();
    for (const key of [
      'Coll/Box1/F1/p1.jpg',
      'Coll/Box1/F1/p2.jpg',
      'Coll/Box1/F2/Access/a.tif',
      'Coll/Box1/F2/readme.txt',
    ]) {
      await storage.put('img-src', key, 'bytes');
    }
    await storage.put('img-src', 'metadata/box1.csv', 'identifier,title\nF1,One\nF2,Two\n');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('plans, records and launches a run', async () => {
    // Act
    const outcome = await submitRun(
      { storage, runStore, launcher, logger: silentLogger },
      { task, runId: 'r1', source },
    );

    // Assess
    expect(outcome).toMatchObject({
      status: 'submitted',
      counts: { items: 2, images: 3, ignored: 1, shards: 2 },
      attempt: { attempt: 1, shards: [0, 1], status: 'launched', shardJobId: 'array-1', assemblerJobId: 'assembler-1' },
    });
    expect(launcher.requests).toEqual([{ runId: 'r1', attempt: 1, shards: [0, 1], task, state: runStore.state }]);
    const run = await runStore.getRun('r1');
    expect(run.source).toEqual(source);
    expect(run.ignoredSample).toEqual(['Coll/Box1/F2/readme.txt']);
    expect((await runStore.getItems('r1')).map((item) => item.id)).toEqual(['F1', 'F2']);
    const shards = await Promise.all([runStore.getShard('r1', 0), runStore.getShard('r1', 1)]);
    expect(shards.flatMap((shard) => shard.images.map((image) => image.sourceKey)).sort()).toEqual([
      'Coll/Box1/F1/p1.jpg',
      'Coll/Box1/F1/p2.jpg',
      'Coll/Box1/F2/Access/a.tif',
    ]);
    expect(shards.every((shard) => shard.shardCount === 2 && shard.task.collectionId === task.collectionId)).toBe(true);
  });

  it('submits a task version once: a second delivery is a duplicate and launches nothing', async () => {
    // Act
    await submitRun({ storage, runStore, launcher, logger: silentLogger }, { task, runId: 'r1', source });
    const again = await submitRun({ storage, runStore, launcher, logger: silentLogger }, { task, runId: 'r1', source });

    // Assess
    expect(again).toEqual({ status: 'duplicate', runId: 'r1' });
    expect(launcher.requests).toHaveLength(1);
  });

  it('rejects a bad CSV before recording or launching anything', async () => {
    // Prepare
    await storage.put('img-src', 'metadata/box1.csv', 'title\nno identifier column\n');

    // Act
    const act = submitRun({ storage, runStore, launcher, logger: silentLogger }, { task, runId: 'r1', source });

    // Assess
    await expect(act).rejects.toBeInstanceOf(CsvError);
    expect(await runStore.findRun('r1')).toBeUndefined();
    expect(launcher.requests).toHaveLength(0);
  });

  it('rejects an ACCESS_DIR without images, saying what it found', async () => {
    // Prepare
    const empty = { ...task, accessDir: 'Coll/Box1/F2/readme.txt-folder' };
    await storage.put('img-src', 'Coll/Box1/F2/readme.txt-folder/a.txt', 'x');

    // Act
    const act = submitRun({ storage, runStore, launcher, logger: silentLogger }, { task: empty, runId: 'r1', source });

    // Assess
    await expect(act).rejects.toBeInstanceOf(PlanError);
    await expect(act).rejects.toThrow(/No images under .*found 1 objects, 1 of them not images/);
  });

  it('releases its claim when launching fails, so a retry submits', async () => {
    // Prepare
    launcher.failWith = new StorageError('throttled', { bucket: 'b', key: 'k', transient: true });

    // Act
    const first = submitRun({ storage, runStore, launcher, logger: silentLogger }, { task, runId: 'r1', source });
    await expect(first).rejects.toThrow('throttled');
    launcher.failWith = undefined;
    const retry = await submitRun({ storage, runStore, launcher, logger: silentLogger }, { task, runId: 'r1', source });

    // Assess
    expect(retry.status).toBe('submitted');
    expect(launcher.requests).toHaveLength(1);
  });

  it("gives the collection's lease back when launching fails", async () => {
    // Prepare
    launcher.failWith = new StorageError('throttled', { bucket: 'b', key: 'k', transient: true });

    // Act
    await submitRun({ storage, runStore, launcher, logger: silentLogger }, { task, runId: 'r1', source }).catch(
      () => undefined,
    );

    // Assess
    const lease = await readLease(runStore, leaseScopeOf(task));
    expect(lease?.record.runId).toBe('r1');
    expect(lease?.release?.reason).toBe('the submission failed: throttled');
  });

  it("takes the collection's lease for the run; Batch jobs keep it (no keeper process), the assembler releases it", async () => {
    // Act
    await submitRun({ storage, runStore, launcher, logger: silentLogger }, { task, runId: 'r1', source });

    // Assess
    const lease = await readLease(runStore, leaseScopeOf(task));
    expect(lease?.record).toMatchObject({
      runId: 'r1',
      by: 'submitter',
      collection: 'img-pub/iawa/Women_of_Design/Ms2016_012_Womens_Development_Corp_Box2',
    });
    expect(lease?.record.keeper).toBeUndefined();
    expect(lease?.release).toBeUndefined();
  });

  it('makes this process the keeper when the launcher waits for the jobs, and releases the lease when they have ended', async () => {
    // Prepare
    let heldWhileRunning: unknown;
    const waiting: JobLauncher = {
      kind: 'local',
      waitsForJobs: true,
      launch: async () => {
        heldWhileRunning = (await readLease(runStore, leaseScopeOf(task)))?.record.keeper;
        return { shardJobId: 'local-shards', assemblerJobId: 'local-assembler', completed: true };
      },
    };

    // Act
    await submitRun({ storage, runStore, launcher: waiting, logger: silentLogger }, { task, runId: 'r1', source });

    // Assess
    expect(heldWhileRunning).toEqual(currentProcess());
    expect((await readLease(runStore, leaseScopeOf(task)))?.release?.reason).toBe('attempt 1 has ended');
  });

  it('refuses a run while another run publishes the collection, before listing anything, and writes nothing', async () => {
    // Prepare
    await acquireLease({ runStore }, { scope: leaseScopeOf(task), runId: 'earlier', by: 'submitter' });
    const recording = new RecordingStorage(storage);

    // Act
    const act = submitRun(
      { storage: recording, runStore: new RunStore(recording, runStore.state), launcher, logger: silentLogger },
      { task: { ...task, settings: { ...task.settings, tileSize: 1024 } }, runId: 'r2', source },
    );

    // Assess
    await expect(act).rejects.toBeInstanceOf(LeaseHeldError);
    await expect(act).rejects.toThrow(/is being published by run earlier .*iiif-batch status earlier/);
    expect(recording.calls.filter((call) => call.bucket === 'img-src')).toEqual([]);
    expect(recording.puts).toEqual([]);
    expect(await runStore.findRun('r2')).toBeUndefined();
    expect(launcher.requests).toEqual([]);
  });

  it('takes the lease from a run with no sign of life for its time to live, and says so in the run record', async () => {
    // Prepare
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    await acquireLease(
      { runStore, now: () => new Date(t0) },
      { scope: leaseScopeOf(task), runId: 'stalled', by: 'submitter', ttlSeconds: 60 },
    );

    // Act
    await submitRun(
      { storage, runStore, launcher, logger: silentLogger, now: () => new Date(t0 + 120_000) },
      { task, runId: 'r1', source },
    );

    // Assess
    const run = await runStore.getRun('r1');
    expect(run.warnings).toEqual([
      {
        code: 'lease-taken-over',
        message: expect.stringMatching(
          /^Run r1 took the lease of collection .* from run stalled, which had not released it: run stalled showed no sign of life since 2026-12-01T10:00:00.000Z/,
        ),
      },
    ]);
    expect((await readLease(runStore, leaseScopeOf(task)))?.record.replaced?.runId).toBe('stalled');
  });

  it('plans at least minShards shards when there are enough images', async () => {
    // Act
    const outcome = await submitRun(
      { storage, runStore, launcher, logger: silentLogger },
      { task: { ...task, settings: { ...task.settings, shardCount: 0 } }, runId: 'r1', source, minShards: 3 },
    );

    // Assess
    expect(outcome.status === 'submitted' && outcome.counts.shards).toBe(3);
  });

  it('keeps three minutes of a Lambda invocation for recording and launching, a third of a shorter one', () => {
    expect(recordingReserve(900_000)).toBe(180_000);
    expect(recordingReserve(300_000)).toBe(100_000);
    expect(recordingReserve(-5_000)).toBe(0);
  });

  it('rejects a task whose planning is not done before its deadline less that reserve, recording nothing', async () => {
    // Prepare: the clock moves a minute each time it is read; the invocation ends at minute 6.
    let minutes = 0;
    const now = () => new Date(Date.UTC(2026, 0, 1, 12, minutes++));

    // Act
    const planning = submitRun(
      { storage, runStore, launcher, logger: silentLogger, now },
      { task, runId: 'r1', source, deadline: Date.UTC(2026, 0, 1, 12, 6) },
    );

    // Assess
    await expect(planning).rejects.toThrow(
      /the submitter ran out of time planning the run: in \d+ s it listed \d+ objects/,
    );
    expect(await runStore.findRun('r1')).toBeUndefined();
    expect(await readLease(runStore, leaseScopeOf(task))).toBeUndefined();
    expect(launcher.requests).toEqual([]);
  });
});
