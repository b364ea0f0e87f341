import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseHeldError, LeaseLostError, RunRecordError, StorageError } from '../../src/errors.js';
import { acquireLease } from '../../src/lease/acquire-lease.js';
import { leaseKey, leaseScopeOf } from '../../src/lease/lease-records.js';
import { createLogger } from '../../src/log.js';
import { RunStore } from '../../src/run/run-store.js';
import { runShard } from '../../src/shard-worker/run-shard.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { RecordingStorage } from '../helpers/recording-storage.js';
import { testTask } from '../helpers/test-task.js';
import { checkPublishedService } from './helpers/check-published-service.js';
import { photoRaw } from './helpers/fixtures.js';
import { LOCAL_STATE, mixedSources, writeShard } from './helpers/shard-fixture.js';

let root: string;
let storage: FsStorage;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'run-shard-test-'));
  storage = new FsStorage(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A JSON logger whose lines are collected. */
function collectingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ format: 'json', level: 'info' }, {}, (line) => lines.push(JSON.parse(line)));
  return { logger, lines };
}

describe('Function: runShard', () => {
  it('publishes every good image of its shard, records the bad one and reports progress', async () => {
    // Prepare
    const task = testTask({ srcBucket: 'src-a', destBucket: 'pub-a' });
    const images = await writeShard(storage, task, {
      runId: 'run-a',
      shard: 1,
      shardCount: 2,
      item: 'Box2_Folder19',
      sources: await mixedSources(),
    });
    const runStore = new RunStore(storage, LOCAL_STATE);
    const { logger, lines } = collectingLogger();

    // Act
    const outcome = await runShard({ storage, runStore, logger }, { runId: 'run-a', shard: 1, attempt: 1 });

    // Assess
    expect(outcome.retryable).toBe(false);
    expect(outcome.result).toMatchObject({ runId: 'run-a', shard: 1, attempt: 1, status: 'failed' });
    expect(outcome.result.images.map((image) => [image.sourceKey, image.status])).toEqual([
      [images[0]?.sourceKey, 'tiled'],
      [images[1]?.sourceKey, 'tiled'],
      [images[2]?.sourceKey, 'failed'],
    ]);
    expect(outcome.result.images[2]?.reason).toMatch(/^truncated JPEG: /);
    expect(await runStore.getResult('run-a', 1)).toEqual(outcome.result);
    for (const image of outcome.result.images.slice(0, 2)) {
      await checkPublishedService(storage, task.destBucket, image.image?.serviceKey as string);
    }
    const events = lines.filter((line) => line.event !== undefined);
    expect(events[0]).toMatchObject({ event: 'shard-start', shard: 1, total: 3 });
    expect(events.slice(1, 4)).toEqual([
      expect.objectContaining({
        event: 'image',
        shard: 1,
        done: 1,
        total: 3,
        status: 'tiled',
        sourceKey: images[0]?.sourceKey,
      }),
      expect.objectContaining({
        event: 'image',
        shard: 1,
        done: 2,
        total: 3,
        status: 'tiled',
        sourceKey: images[1]?.sourceKey,
      }),
      expect.objectContaining({
        event: 'image',
        shard: 1,
        done: 3,
        total: 3,
        status: 'failed',
        sourceKey: images[2]?.sourceKey,
        reason: outcome.result.images[2]?.reason,
      }),
    ]);
    expect(events[1]).not.toHaveProperty('reason');
  });

  it('reads only its own shard description', async () => {
    // Prepare
    const task = testTask({ srcBucket: 'src-b', destBucket: 'pub-b' });
    const sources = (await mixedSources()).slice(0, 1);
    await writeShard(storage, task, { runId: 'run-b', shard: 0, shardCount: 2, item: 'one', sources });
    await writeShard(storage, task, { runId: 'run-b', shard: 1, shardCount: 2, item: 'two', sources });
    const recording = new RecordingStorage(storage);
    const runStore = new RunStore(recording, LOCAL_STATE);

    // Act
    await runShard(
      { storage: recording, runStore, logger: collectingLogger().logger },
      { runId: 'run-b', shard: 0, attempt: 1 },
    );

    // Assess
    const stateReads = recording.calls.filter(
      (call) => call.bucket === LOCAL_STATE.bucket && call.key.startsWith('runs/') && call.op !== 'put',
    );
    expect(stateReads.map((call) => `${call.op} ${call.key}`)).toEqual(['getBytes runs/run-b/shards/00000.json']);
  });

  it('fetches the next source while it publishes the current image', async () => {
    // Prepare
    const task = testTask({ srcBucket: 'src-e', destBucket: 'pub-e' });
    const sources = (await mixedSources()).slice(0, 2);
    const images = await writeShard(storage, task, { runId: 'run-e', shard: 0, shardCount: 1, item: 'it', sources });
    const recording = new RecordingStorage(storage);

    // Act
    await runShard(
      { storage: recording, runStore: new RunStore(recording, LOCAL_STATE), logger: collectingLogger().logger },
      { runId: 'run-e', shard: 0, attempt: 1 },
    );

    // Assess
    const position = (op: string, key: string | undefined) =>
      recording.calls.findIndex((call) => call.op === op && call.key.endsWith(key ?? '\u0000'));
    const secondFetched = position('getStream', images[1]?.sourceKey);
    const firstInfo = position('put', `${images[0]?.name}/info.json`);
    expect(secondFetched).toBeGreaterThan(-1);
    expect(firstInfo).toBeGreaterThan(-1);
    expect(secondFetched).toBeLessThan(firstInfo);
  });

  it('skips everything on a rerun and still records a succeeded result', async () => {
    // Prepare
    const task = testTask({ srcBucket: 'src-c', destBucket: 'pub-c' });
    const sources = (await mixedSources()).slice(0, 2);
    await writeShard(storage, task, { runId: 'run-c', shard: 0, shardCount: 1, item: 'it', sources });
    const runStore = new RunStore(storage, LOCAL_STATE);
    const first = await runShard(
      { storage, runStore, logger: collectingLogger().logger },
      { runId: 'run-c', shard: 0, attempt: 1 },
    );
    const recording = new RecordingStorage(storage);

    // Act
    const second = await runShard(
      { storage: recording, runStore: new RunStore(recording, LOCAL_STATE), logger: collectingLogger().logger },
      { runId: 'run-c', shard: 0, attempt: 2 },
    );

    // Assess
    expect(first.result.status).toBe('succeeded');
    expect(second.result.status).toBe('succeeded');
    expect(second.result.images.map((image) => image.status)).toEqual(['skipped', 'skipped']);
    expect(second.result.images.map((image) => image.image)).toEqual(first.result.images.map((image) => image.image));
    expect(recording.count('getStream')).toBe(0);
    expect(recording.count('put', task.destBucket)).toBe(0);
  });

  it('marks the shard retryable when storage keeps failing for an image', async () => {
    // Prepare
    const task = testTask({ srcBucket: 'src-d', destBucket: 'pub-d' });
    const sources = (await mixedSources()).slice(0, 2);
    const images = await writeShard(storage, task, { runId: 'run-d', shard: 0, shardCount: 1, item: 'it', sources });
    const recording = new RecordingStorage(storage);
    recording.failWith = (call) =>
      call.op === 'getStream' && call.key === images[0]?.sourceKey
        ? new StorageError('503 Slow Down', { bucket: call.bucket, key: call.key, transient: true })
        : undefined;

    // Act
    const outcome = await runShard(
      {
        storage: recording,
        runStore: new RunStore(recording, LOCAL_STATE),
        logger: collectingLogger().logger,
        retry: { attempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
      },
      { runId: 'run-d', shard: 0, attempt: 1 },
    );

    // Assess
    expect(outcome.retryable).toBe(true);
    expect(outcome.result.images.map((image) => image.status)).toEqual(['failed', 'tiled']);
    expect(outcome.result.images[0]?.reason).toMatch(/^storage error: .*503 Slow Down/);
  });

  it("refuses to start while another run holds the collection's lease, and records nothing", async () => {
    // Prepare
    const task = testTask({ srcBucket: 'src-lease', destBucket: 'pub-lease-held' });
    await writeShard(storage, task, {
      runId: 'late',
      shard: 0,
      shardCount: 1,
      item: 'it',
      sources: await mixedSources(),
    });
    const runStore = new RunStore(storage, LOCAL_STATE);
    await acquireLease({ runStore }, { scope: leaseScopeOf(task), runId: 'holder', by: 'submitter' });

    // Act
    const act = runShard(
      { storage, runStore, logger: collectingLogger().logger },
      { runId: 'late', shard: 0, attempt: 1 },
    );

    // Assess
    await expect(act).rejects.toBeInstanceOf(LeaseHeldError);
    await expect(act).rejects.toThrow(/is being published by run holder/);
    expect(await runStore.getResult('late', 0)).toBeUndefined();
    expect(
      await storage.head(task.destBucket, `${task.destPrefix}/${task.collectionId}/it/page_001/info.json`),
    ).toBeUndefined();
  });

  it('stops before its next image once another run has taken the lease, naming that run', async () => {
    // Prepare: the lease renewed every 20 ms; ten images of about a hundred milliseconds each.
    const task = testTask({ srcBucket: 'src-lease', destBucket: 'pub-lease-lost' });
    const photo = await (await photoRaw(1600, 1200)).jpeg().toBuffer();
    const sources = Array.from({ length: 10 }, (_, index) => ({
      file: `p${index + 1}.jpg`,
      bytes: photo,
      format: 'jpeg' as const,
    }));
    await writeShard(storage, task, { runId: 'slow', shard: 0, shardCount: 1, item: 'it', sources });
    const runStore = new RunStore(storage, LOCAL_STATE);
    const scope = leaseScopeOf(task);
    await acquireLease({ runStore }, { scope, runId: 'slow', by: 'submitter', ttlSeconds: 6 });
    const { logger, lines } = collectingLogger();
    let takenOver: Promise<boolean> | undefined;
    const watching = {
      ...logger,
      info: (message: string, fields?: Record<string, unknown>) => {
        logger.info(message, fields);
        // After the first image, another run creates the next generation (as a taker that judged
        // this run's lease stale would).
        if (fields?.event === 'image' && takenOver === undefined) {
          const record = {
            runId: 'taker',
            generation: 2,
            collection: 'x',
            acquiredAt: new Date().toISOString(),
            ttlSeconds: 6,
            by: 'run',
          };
          takenOver = storage.putIfAbsent(
            LOCAL_STATE.bucket,
            leaseKey(LOCAL_STATE, scope, 2, 'record'),
            JSON.stringify(record),
          );
        }
      },
      child: () => watching,
    };

    // Act
    const error = await runShard(
      { storage, runStore, logger: watching, leaseRenewMs: 20 },
      { runId: 'slow', shard: 0, attempt: 1 },
    ).catch((caught: unknown) => caught);

    // Assess
    expect(await takenOver).toBe(true);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as LeaseLostError).holder?.runId).toBe('taker');
    expect((error as LeaseLostError).message).toMatch(
      /^Run slow lost the lease of collection .*Shard 0 stops after \d+ of 10 images/,
    );
    const done = lines.filter((line) => line.event === 'image').length;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(10);
    expect(await runStore.getResult('slow', 0)).toBeUndefined();
  });

  it('rejects when its shard description does not exist', async () => {
    // Prepare
    const runStore = new RunStore(storage, LOCAL_STATE);

    // Act
    const act = runShard(
      { storage, runStore, logger: collectingLogger().logger },
      { runId: 'no-such-run', shard: 0, attempt: 1 },
    );

    // Assess
    await expect(act).rejects.toThrow(RunRecordError);
  });
});
