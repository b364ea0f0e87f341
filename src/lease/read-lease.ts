import { StorageError } from '../errors.js';
import type { RunStore } from '../run/run-store.js';
import { getJsonIfExists } from '../storage/storage.js';
import { type ProcessIdentity, processRuns } from '../util/process-identity.js';
import {
  type LeaseHeartbeat,
  type LeaseRecord,
  type LeaseRelease,
  type LeaseScope,
  leaseFolder,
  leaseKey,
  parseLeaseKey,
} from './lease-records.js';

/** The current generation of a collection's lease, as its records say. */
export interface LeaseState {
  readonly record: LeaseRecord;
  readonly heartbeat?: LeaseHeartbeat;
  readonly release?: LeaseRelease;
  /** The latest sign of life: the heartbeat, else the acquisition. */
  readonly lastSign: Date;
  /** When the lease stops being live without a new sign of life. */
  readonly expiresAt: Date;
  /** Keys of earlier generations still in the folder (the holder removes them). */
  readonly older: readonly string[];
}

/**
 * The current (highest) generation of the collection's lease with its heartbeat and release, or
 * `undefined` when the collection has never been leased. One listing of the lease folder and up
 * to three small reads. A heartbeat or release that names another run or generation (left by a
 * process that lost the lease) is ignored.
 */
export async function readLease(runStore: RunStore, scope: LeaseScope, tries = 3): Promise<LeaseState | undefined> {
  const { storage, state } = runStore;
  const folder = leaseFolder(state, scope);
  const found = new Map<number, Set<string>>();
  for await (const object of storage.list(state.bucket, folder)) {
    const parsed = parseLeaseKey(folder, object.key);
    if (parsed === undefined) continue;
    const kinds = found.get(parsed.generation) ?? new Set<string>();
    kinds.add(parsed.kind);
    found.set(parsed.generation, kinds);
  }
  const generations = [...found.keys()].filter((generation) => found.get(generation)?.has('record'));
  if (generations.length === 0) return undefined;
  const generation = Math.max(...generations);
  const read = <T>(kind: 'record' | 'heartbeat' | 'released'): Promise<T | undefined> =>
    found.get(generation)?.has(kind) === true
      ? getJsonIfExists<T>(storage, state.bucket, leaseKey(state, scope, generation, kind))
      : Promise.resolve(undefined);
  const [record, heartbeat, release] = await Promise.all([
    read<LeaseRecord>('record'),
    read<LeaseHeartbeat>('heartbeat'),
    read<LeaseRelease>('released'),
  ]);
  if (record === undefined) {
    // Removed between the listing and the read: a newer holder removing older generations.
    if (tries > 1) return readLease(runStore, scope, tries - 1);
    throw new StorageError(
      `The lease record ${storage.describe(state.bucket, leaseKey(state, scope, generation, 'record'))} is listed but cannot be read`,
      {
        bucket: state.bucket,
        key: leaseKey(state, scope, generation, 'record'),
        transient: true,
      },
    );
  }
  const own = <T extends { runId: string; generation: number }>(value: T | undefined): T | undefined =>
    value !== undefined && value.runId === record.runId && value.generation === record.generation ? value : undefined;
  const beat = own(heartbeat);
  const lastSign = new Date(Math.max(Date.parse(record.acquiredAt), beat === undefined ? 0 : Date.parse(beat.at)));
  const older: string[] = [];
  for (const [other, kinds] of found) {
    if (other >= generation) continue;
    for (const kind of kinds) older.push(leaseKey(state, scope, other, kind as 'record' | 'heartbeat' | 'released'));
  }
  const releaseOfRecord = own(release);
  return {
    record,
    ...(beat === undefined ? {} : { heartbeat: beat }),
    ...(releaseOfRecord === undefined ? {} : { release: releaseOfRecord }),
    lastSign,
    expiresAt: new Date(lastSign.getTime() + record.ttlSeconds * 1000),
    older,
  };
}

export interface JudgeContext {
  readonly runStore: RunStore;
  readonly now: Date;
  /** Whether a keeper process still runs (`undefined`: cannot tell from here). Default: `processRuns`. */
  readonly processRuns?: (identity: ProcessIdentity) => boolean | undefined;
}

/** Whether another run may take the lease, and why. */
export type LeaseVerdict = { readonly free: true; readonly reason: string } | { readonly free: false };

/**
 * A lease is free when its run released it, when the process that keeps it is known to be gone
 * (a local run killed or interrupted), when it had no sign of life for its `ttlSeconds` (a run
 * whose jobs all stopped: Batch gave up on a shard), or when its run's report was written after
 * its latest attempt and its latest sign of life (the run ended without releasing it).
 */
export async function judgeLease(context: JudgeContext, lease: LeaseState): Promise<LeaseVerdict> {
  const { record } = lease;
  if (lease.release !== undefined) {
    return { free: true, reason: `run ${record.runId} released it at ${lease.release.at} (${lease.release.reason})` };
  }
  if (record.keeper !== undefined && (context.processRuns ?? processRuns)(record.keeper) === false) {
    return {
      free: true,
      reason: `run ${record.runId} held it through process ${record.keeper.pid} of this host, which is gone (killed or interrupted)`,
    };
  }
  if (context.now.getTime() > lease.expiresAt.getTime()) {
    return {
      free: true,
      reason: `run ${record.runId} showed no sign of life since ${lease.lastSign.toISOString()} (the lease expired at ${lease.expiresAt.toISOString()})`,
    };
  }
  const report = await context.runStore.getReport(record.runId);
  if (report !== undefined && Date.parse(report.finishedAt) >= lease.lastSign.getTime()) {
    const latest = (await context.runStore.listAttempts(record.runId)).at(-1);
    if (latest === undefined || report.finishedAt >= latest.createdAt) {
      return {
        free: true,
        reason: `run ${record.runId} finished at ${report.finishedAt} (its report.json) without releasing it`,
      };
    }
  }
  return { free: false };
}
