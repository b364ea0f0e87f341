import type { StateLocation } from '../run/run-records.js';
import { collectionKey, joinKey, type Task } from '../task/task.js';
import type { ProcessIdentity } from '../util/process-identity.js';

/**
 * What a lease guards: one collection in one destination, everything published under
 * `{destBucket}/{DEST_PREFIX}/{COLLECTION_IDENTIFIER}/` (tiles, info.json files, manifests, the
 * collection) and the records kept about it (resume markers, image names).
 */
export interface LeaseScope {
  readonly destBucket: string;
  /** `{DEST_PREFIX}/{COLLECTION_IDENTIFIER}`. */
  readonly collectionKey: string;
}

export function leaseScopeOf(task: Task): LeaseScope {
  return { destBucket: task.destBucket, collectionKey: collectionKey(task) };
}

/** The collection as messages name it: `img-pub/iawa/Box2`. */
export function describeScope(scope: LeaseScope): string {
  return `${scope.destBucket}/${scope.collectionKey}`;
}

/**
 * `leases/{destBucket}/{collectionKey}/{generation}.json` in the state location: one generation of
 * the collection's lease, created once with a conditional write (create-only), never changed. The
 * highest generation is the current one; a run takes the lease by creating the next generation,
 * so of two runs that try at once exactly one succeeds. Beside it, written by its holder only:
 * `{generation}.heartbeat.json` (the latest sign of life, rewritten) and `{generation}.released.json`.
 */
export interface LeaseRecord {
  readonly runId: string;
  readonly generation: number;
  /** `describeScope`: which collection. */
  readonly collection: string;
  readonly acquiredAt: string;
  /** How long the lease stays live after its latest sign of life (heartbeat or acquisition). */
  readonly ttlSeconds: number;
  /**
   * The process that keeps the lease alive until the run's work has ended (a local `run`, which
   * waits for its workers). When it is gone, the lease is free at once. Absent when the work goes on
   * without the process that took the lease (the cloud submitter: Batch jobs keep it alive).
   */
  readonly keeper?: ProcessIdentity;
  /** Which step of the run took it: `run`, `submitter`, `resubmit`, `shard 3 (attempt 1)`, … */
  readonly by: string;
  /** The run whose lease this one replaced without its release, and why that was allowed. */
  readonly replaced?: LeaseTakeover;
}

/** A lease taken from another run that had not released it. */
export interface LeaseTakeover {
  readonly runId: string;
  readonly generation: number;
  /** Why it was free: `its keeper process (pid 123) is gone`, `no sign of life since …`. */
  readonly reason: string;
}

/** `{generation}.heartbeat.json`: the holder's latest sign of life. */
export interface LeaseHeartbeat {
  readonly runId: string;
  readonly generation: number;
  readonly at: string;
  readonly expiresAt: string;
  readonly by: string;
}

/** `{generation}.released.json`: the run has ended its work on the collection. */
export interface LeaseRelease {
  readonly runId: string;
  readonly generation: number;
  readonly at: string;
  readonly by: string;
  /** e.g. `the assembler wrote the report`, `the submission failed`. */
  readonly reason: string;
}

/** The folder of a collection's lease records: `{prefix}/leases/{destBucket}/{collectionKey}/`. */
export function leaseFolder(state: StateLocation, scope: LeaseScope): string {
  return `${joinKey(state.prefix, 'leases', scope.destBucket, scope.collectionKey)}/`;
}

/** Generations are zero-padded so that listings sort numerically. */
export function leaseKey(
  state: StateLocation,
  scope: LeaseScope,
  generation: number,
  kind: 'record' | 'heartbeat' | 'released',
): string {
  const suffix = kind === 'record' ? '' : `.${kind}`;
  return `${leaseFolder(state, scope)}${String(generation).padStart(10, '0')}${suffix}.json`;
}

/** Parse a key of `leaseFolder`: its generation and kind, or `undefined` for other keys. */
export function parseLeaseKey(
  folder: string,
  key: string,
): { generation: number; kind: 'record' | 'heartbeat' | 'released' } | undefined {
  const match = /^(\d{10})(\.heartbeat|\.released)?\.json$/.exec(key.slice(folder.length));
  if (match === null) return undefined;
  const kind = match[2] === '.heartbeat' ? 'heartbeat' : match[2] === '.released' ? 'released' : 'record';
  return { generation: Number(match[1]), kind };
}

/** The default `ttlSeconds`: 30 minutes without a sign of life (`IIIF_BATCH_LEASE_MINUTES`). */
export const DEFAULT_LEASE_SECONDS = 30 * 60;
