import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CsvError, PlanError, StorageError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { RunStore } from '../../src/run/run-store.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import type { JobLauncher, LaunchRequest, LaunchResult } from '../../src/submitter/job-launcher.js';
import { submitRun } from '../../src/submitter/submit-run.js';
import { parseTaskFile } from '../../src/task/parse-task-file.js';
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

  it('plans at least minShards shards when there are enough images', async () => {
    // Act
    const outcome = await submitRun(
      { storage, runStore, launcher, logger: silentLogger },
      { task: { ...task, settings: { ...task.settings, shardCount: 0 } }, runId: 'r1', source, minShards: 3 },
    );

    // Assess
    expect(outcome.status === 'submitted' && outcome.counts.shards).toBe(3);
  });
});
