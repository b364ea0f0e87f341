import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseHeldError } from '../../src/errors.js';
import { acquireLease } from '../../src/lease/acquire-lease.js';
import type { LeaseDeps } from '../../src/lease/held-lease.js';
import { type LeaseRecord, type LeaseScope, leaseFolder } from '../../src/lease/lease-records.js';
import { readLease } from '../../src/lease/read-lease.js';
import { LOCAL_STATE_BUCKET, type RunReport } from '../../src/run/run-records.js';
import { RunStore } from '../../src/run/run-store.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import type { ProcessIdentity } from '../../src/util/process-identity.js';

const SCOPE: LeaseScope = { destBucket: 'img-pub', collectionKey: 'pub/Coll' };
const T0 = Date.parse('2026-12-01T10:00:00Z');
const KEEPER: ProcessIdentity = { host: 'abcd1234', pid: 4242, start: 99 };

describe('Function: acquireLease', () => {
  let root: string;
  let runStore: RunStore;
  let clock: number;
  let running: Set<number>;
  let deps: LeaseDeps;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'lease-'));
    runStore = new RunStore(new FsStorage(root), { bucket: LOCAL_STATE_BUCKET, prefix: '' });
    clock = T0;
    running = new Set([KEEPER.pid]);
    deps = {
      runStore,
      now: () => new Date(clock),
      processRuns: (identity) => (identity.host === KEEPER.host ? running.has(identity.pid) : undefined),
    };
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** The files of the lease folder, by name. */
  async function leaseFiles(): Promise<string[]> {
    const dir = join(root, LOCAL_STATE_BUCKET, ...leaseFolder(runStore.state, SCOPE).split('/').filter(Boolean));
    return (await readdir(dir)).sort();
  }

  it('takes a free lease: a record naming the run, when, who and its keeper, and a heartbeat', async () => {
    // Act
    const lease = await acquireLease(deps, {
      scope: SCOPE,
      runId: 'run-a',
      by: 'run',
      ttlSeconds: 600,
      keeper: KEEPER,
    });

    // Assess
    expect(lease.fresh).toBe(true);
    expect(lease.replaced).toBeUndefined();
    const state = await readLease(runStore, SCOPE);
    expect(state?.record).toEqual<LeaseRecord>({
      runId: 'run-a',
      generation: 1,
      collection: 'img-pub/pub/Coll',
      acquiredAt: '2026-12-01T10:00:00.000Z',
      ttlSeconds: 600,
      keeper: KEEPER,
      by: 'run',
    });
    expect(state?.heartbeat).toMatchObject({ runId: 'run-a', at: '2026-12-01T10:00:00.000Z', by: 'run' });
    expect(state?.expiresAt.toISOString()).toBe('2026-12-01T10:10:00.000Z');
    expect(await leaseFiles()).toEqual(['0000000001.heartbeat.json', '0000000001.json']);
  });

  it('lets the jobs of the holding run join its lease (no new generation) and renews it', async () => {
    // Prepare
    await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'submitter', ttlSeconds: 600 });
    clock += 120_000;

    // Act
    const joined = await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'shard 0 (attempt 1)' });

    // Assess
    expect(joined.fresh).toBe(false);
    const state = await readLease(runStore, SCOPE);
    expect(state?.record.generation).toBe(1);
    expect(state?.heartbeat).toMatchObject({ by: 'shard 0 (attempt 1)', at: '2026-12-01T10:02:00.000Z' });
    expect(state?.expiresAt.toISOString()).toBe('2026-12-01T10:12:00.000Z');
  });

  it('refuses another run while the lease is live, naming the holder, and writes nothing', async () => {
    // Prepare
    await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'run', ttlSeconds: 600, keeper: KEEPER });
    const before = await leaseFiles();
    clock += 300_000;

    // Act
    const error = await acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run', keeper: KEEPER }).catch(
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toBeInstanceOf(LeaseHeldError);
    const held = error as LeaseHeldError;
    expect(held.holder).toEqual({
      runId: 'run-a',
      generation: 1,
      acquiredAt: '2026-12-01T10:00:00.000Z',
      by: 'run',
      lastSign: '2026-12-01T10:00:00.000Z',
      expiresAt: '2026-12-01T10:10:00.000Z',
    });
    expect(held.message).toContain('Collection img-pub/pub/Coll is being published by run run-a');
    expect(held.message).toContain('iiif-batch status run-a');
    expect(held.message).toContain('Run run-b does not start');
    expect(await leaseFiles()).toEqual(before);
  });

  it('of two runs that ask at once, exactly one gets the lease; the other is refused naming it', async () => {
    // Act
    const outcomes = await Promise.allSettled(
      ['run-a', 'run-b', 'run-c'].map((runId) => acquireLease(deps, { scope: SCOPE, runId, by: 'run' })),
    );

    // Assess
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(won).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLease>>>).value.runId;
    expect(refused).toHaveLength(2);
    for (const outcome of refused) {
      expect(outcome.reason).toBeInstanceOf(LeaseHeldError);
      expect((outcome.reason as LeaseHeldError).holder.runId).toBe(winner);
    }
    expect((await readLease(runStore, SCOPE))?.record).toMatchObject({ runId: winner, generation: 1 });
  });

  it('lets the next run take a released lease at once, without calling it a takeover, and removes the old records', async () => {
    // Prepare
    const first = await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'run' });
    await first.release('the assembler wrote the report');

    // Act
    const second = await acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' });

    // Assess
    expect(second.replaced).toBeUndefined();
    expect((await readLease(runStore, SCOPE))?.record).toMatchObject({ runId: 'run-b', generation: 2 });
    expect(await leaseFiles()).toEqual(['0000000002.heartbeat.json', '0000000002.json']);
  });

  it('takes over a lease that had no sign of life for its time to live, and says why', async () => {
    // Prepare
    await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'submitter', ttlSeconds: 600 });
    clock += 600_000;
    const stillLive = await acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' }).catch(
      (caught: unknown) => caught,
    );
    clock += 1;

    // Act
    const lease = await acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' });

    // Assess: live up to its expiry (inclusive), free after it.
    expect(stillLive).toBeInstanceOf(LeaseHeldError);
    expect(lease.replaced).toEqual({
      runId: 'run-a',
      generation: 1,
      reason:
        'run run-a showed no sign of life since 2026-12-01T10:00:00.000Z (the lease expired at 2026-12-01T10:10:00.000Z)',
    });
    expect((await readLease(runStore, SCOPE))?.record.replaced?.runId).toBe('run-a');
  });

  it('takes over at once when the process that kept the lease is gone (a local run killed or interrupted)', async () => {
    // Prepare
    await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'run', ttlSeconds: 600, keeper: KEEPER });
    running.delete(KEEPER.pid);

    // Act
    const lease = await acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' });

    // Assess
    expect(lease.replaced?.reason).toBe(
      'run run-a held it through process 4242 of this host, which is gone (killed or interrupted)',
    );
  });

  it('does not judge a keeper of another host by the processes of this one', async () => {
    // Prepare
    const elsewhere = { ...KEEPER, host: 'ffff0000' };
    await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'run', ttlSeconds: 600, keeper: elsewhere });

    // Act / Assess
    await expect(acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' })).rejects.toBeInstanceOf(
      LeaseHeldError,
    );
  });

  it('takes over from a run whose report was written after its latest sign of life and its latest attempt', async () => {
    // Prepare: run-a's assembler wrote the report but never released the lease (it crashed).
    await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'submitter', ttlSeconds: 600 });
    await runStore.putAttempt({
      runId: 'run-a',
      attempt: 1,
      createdAt: '2026-12-01T10:00:00.000Z',
      shards: [0],
      launcher: 'batch',
      status: 'launched',
    });
    await runStore.putReport({ runId: 'run-a', finishedAt: '2026-12-01T10:01:00.000Z' } as RunReport);
    clock += 120_000;

    // Act
    const lease = await acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' });

    // Assess
    expect(lease.replaced?.reason).toBe(
      'run run-a finished at 2026-12-01T10:01:00.000Z (its report.json) without releasing it',
    );
  });

  it('does not count a report older than the run’s latest sign of life (a resubmission is under way)', async () => {
    // Prepare
    await runStore.putReport({ runId: 'run-a', finishedAt: '2026-12-01T09:00:00.000Z' } as RunReport);
    await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'resubmit', ttlSeconds: 600 });

    // Act / Assess
    await expect(acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' })).rejects.toBeInstanceOf(
      LeaseHeldError,
    );
  });

  it('starts a new generation when the run is kept by a new process; the run’s other holders follow it', async () => {
    // Prepare: a local run interrupted (its keeper gone); its lease is joined by a worker, then resubmitted.
    const worker = await acquireLease(deps, {
      scope: SCOPE,
      runId: 'run-a',
      by: 'run',
      ttlSeconds: 600,
      keeper: KEEPER,
    });
    running.delete(KEEPER.pid);
    const resubmitter = { ...KEEPER, pid: 5151 };
    running.add(resubmitter.pid);

    // Act
    const resubmit = await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'resubmit', keeper: resubmitter });
    clock += 60_000;
    await worker.renew();

    // Assess: the new keeper is what another run judges, and the earlier holder renews the new generation.
    expect(resubmit.fresh).toBe(true);
    expect(resubmit.replaced).toBeUndefined();
    const state = await readLease(runStore, SCOPE);
    expect(state?.record).toMatchObject({ runId: 'run-a', generation: 2, keeper: resubmitter, ttlSeconds: 600 });
    expect(state?.heartbeat?.at).toBe('2026-12-01T10:01:00.000Z');
    expect(worker.lost).toBeUndefined();
    await expect(acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' })).rejects.toBeInstanceOf(
      LeaseHeldError,
    );
  });
});

describe('Class: HeldLease', () => {
  let root: string;
  let runStore: RunStore;
  let clock: number;
  let deps: LeaseDeps;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'held-lease-'));
    runStore = new RunStore(new FsStorage(root), { bucket: LOCAL_STATE_BUCKET, prefix: 'state' });
    clock = T0;
    deps = { runStore, now: () => new Date(clock) };
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the lease live with each renewal', async () => {
    // Prepare
    const lease = await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'submitter', ttlSeconds: 60 });

    // Act: a renewal every 50 s for five minutes.
    for (let step = 0; step < 6; step++) {
      clock += 50_000;
      await lease.renew();
    }

    // Assess
    await expect(acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' })).rejects.toBeInstanceOf(
      LeaseHeldError,
    );
    expect((await readLease(runStore, SCOPE))?.expiresAt.toISOString()).toBe('2026-12-01T10:06:00.000Z');
  });

  it('is lost once another run took it, names that run, and then writes nothing', async () => {
    // Prepare
    const lease = await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'shard 0 (attempt 1)', ttlSeconds: 60 });
    clock += 61_000;
    await acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' });

    // Act
    await lease.renew();
    await lease.release('done');

    // Assess
    expect(lease.lost?.holder?.runId).toBe('run-b');
    expect(lease.lost?.message).toContain('run run-b took the lease of collection img-pub/pub/Coll');
    const state = await readLease(runStore, SCOPE);
    expect(state?.record.runId).toBe('run-b');
    expect(state?.release).toBeUndefined();
    expect(state?.heartbeat?.runId).toBe('run-b');
  });

  it('renews nothing once its run released the lease (a keeper still running after the assembler)', async () => {
    // Prepare
    const keeper = await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'run', ttlSeconds: 60 });
    const assembler = await acquireLease(deps, { scope: SCOPE, runId: 'run-a', by: 'assembler' });
    await assembler.release('the assembler wrote the report');
    clock += 10_000;

    // Act
    await keeper.renew();

    // Assess
    const state = await readLease(runStore, SCOPE);
    expect(state?.release).toMatchObject({ by: 'assembler', reason: 'the assembler wrote the report' });
    expect(state?.heartbeat?.by).toBe('assembler');
    expect((await acquireLease(deps, { scope: SCOPE, runId: 'run-b', by: 'run' })).replaced).toBeUndefined();
  });
});
