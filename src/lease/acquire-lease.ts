import { LeaseHeldError } from '../errors.js';
import type { ProcessIdentity } from '../util/process-identity.js';
import { HeldLease, type LeaseDeps, leaseHolder } from './held-lease.js';
import {
  DEFAULT_LEASE_SECONDS,
  describeScope,
  type LeaseRecord,
  type LeaseScope,
  type LeaseTakeover,
  leaseKey,
} from './lease-records.js';
import { judgeLease, type LeaseState, readLease } from './read-lease.js';

export interface LeaseRequest {
  readonly scope: LeaseScope;
  readonly runId: string;
  /** Which step of the run asks (`run`, `submitter`, `resubmit`, `shard 3 (attempt 1)`, `assembler`). */
  readonly by: string;
  /** A new generation's time to live without a sign of life. Default `DEFAULT_LEASE_SECONDS`. */
  readonly ttlSeconds?: number;
  /**
   * This process keeps the lease alive until the run's work has ended (it waits for the jobs): when
   * it is gone, the lease is free at once. Leave it out when the work goes on without this process.
   */
  readonly keeper?: ProcessIdentity;
}

/** Conditional creates lost to other runs before giving up (each loser reads the winner first). */
const MAX_ROUNDS = 5;

/**
 * Take the collection's lease for a run, or join the run's own. Every step that changes a
 * collection takes it first: the submitter (cloud and local `run`), `resubmit`, `assemble`, each
 * shard worker and the assembler job.
 *
 * - The run already holds it (a job of the run, a Batch retry, `resubmit --force` of a running
 *   run): the hold is joined and renewed. A `keeper` other than the generation's starts a new
 *   generation, so that the lease names the process that now keeps it.
 * - Nobody holds it, its holder released it, or its holder is gone (see `judgeLease`): a new
 *   generation is created with a create-only write. Of two runs that try at once one wins; the
 *   other reads the winner and is refused. Taking it from a run that had not released it is
 *   `replaced` on the returned lease (the caller warns about it).
 * - Another run holds a live lease: `LeaseHeldError` naming that run, when it started, its latest
 *   sign of life and how to look at it. Nothing is written.
 *
 * @throws LeaseHeldError when another run holds the lease
 */
export async function acquireLease(deps: LeaseDeps, request: LeaseRequest): Promise<HeldLease> {
  const { runStore } = deps;
  const now = deps.now ?? (() => new Date());
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const state = await readLease(runStore, request.scope);
    if (state !== undefined && state.record.runId === request.runId && state.release === undefined) {
      if (request.keeper === undefined || sameProcess(request.keeper, state.record.keeper)) {
        const joined = new HeldLease(deps, request.scope, state.record, request.by, undefined, false);
        await joined.renew();
        return joined;
      }
    }
    let replaced: LeaseTakeover | undefined;
    if (state !== undefined && state.record.runId !== request.runId) {
      const verdict = await judgeLease({ runStore, now: now(), ...optionalProcessRuns(deps) }, state);
      if (!verdict.free) throw heldError(request, state);
      if (state.release === undefined) {
        replaced = { runId: state.record.runId, generation: state.record.generation, reason: verdict.reason };
      }
    }
    const generation = (state?.record.generation ?? 0) + 1;
    const record: LeaseRecord = {
      runId: request.runId,
      generation,
      collection: describeScope(request.scope),
      acquiredAt: now().toISOString(),
      ttlSeconds: request.ttlSeconds ?? state?.record.ttlSeconds ?? DEFAULT_LEASE_SECONDS,
      ...(request.keeper === undefined ? {} : { keeper: request.keeper }),
      by: request.by,
      ...(replaced === undefined ? {} : { replaced }),
    };
    const key = leaseKey(runStore.state, request.scope, generation, 'record');
    const created = await runStore.storage.putIfAbsent(
      runStore.state.bucket,
      key,
      `${JSON.stringify(record, null, 2)}\n`,
      { contentType: 'application/json' },
    );
    if (!created) continue;
    const lease = new HeldLease(deps, request.scope, record, request.by, replaced, true);
    await lease.renew();
    if (lease.lost !== undefined) {
      // A generation number freed by a newer holder's clean-up (this taker read an old state): the
      // newer generation stands; withdraw this record and look again.
      await runStore.storage.delete(runStore.state.bucket, key);
      continue;
    }
    await removeOlder(deps, request.scope, state);
    return lease;
  }
  const state = await readLease(runStore, request.scope);
  if (state !== undefined && state.record.runId !== request.runId) throw heldError(request, state);
  throw new Error(`Could not take the lease of collection ${describeScope(request.scope)} in ${MAX_ROUNDS} rounds`);
}

/**
 * Refuse at once, writing nothing, when another run holds a live lease on the collection: a cheap
 * look before work that takes long (planning a large collection). `acquireLease` decides.
 *
 * @throws LeaseHeldError when another run holds the lease
 */
export async function checkLease(deps: LeaseDeps, request: Pick<LeaseRequest, 'scope' | 'runId'>): Promise<void> {
  const state = await readLease(deps.runStore, request.scope);
  if (state === undefined || state.record.runId === request.runId) return;
  const now = (deps.now ?? (() => new Date()))();
  const verdict = await judgeLease({ runStore: deps.runStore, now, ...optionalProcessRuns(deps) }, state);
  if (!verdict.free) throw heldError(request, state);
}

function heldError(request: Pick<LeaseRequest, 'scope' | 'runId'>, state: LeaseState): LeaseHeldError {
  const holder = leaseHolder(state);
  const collection = describeScope(request.scope);
  return new LeaseHeldError(
    `Collection ${collection} is being published by run ${holder.runId} (${holder.by}, started ${holder.acquiredAt}; ` +
      `latest sign of life ${holder.lastSign}, its lease is live until ${holder.expiresAt} unless renewed). ` +
      `Run ${request.runId} does not start: two runs of one collection at once would delete each other's tiles. ` +
      `Look at the other run with: iiif-batch status ${holder.runId}. Start again once it has finished or failed ` +
      '(a failed run can instead be completed with iiif-batch resubmit).',
    { collection, holder },
  );
}

/**
 * Remove the records of the generations before the one just created: the one it follows and any
 * older ones (best effort: records of older generations are ignored anyway).
 */
async function removeOlder(deps: LeaseDeps, scope: LeaseScope, previous: LeaseState | undefined): Promise<void> {
  if (previous === undefined) return;
  const { storage, state } = deps.runStore;
  const keys = [
    ...previous.older,
    ...(['record', 'heartbeat', 'released'] as const).map((kind) =>
      leaseKey(state, scope, previous.record.generation, kind),
    ),
  ];
  for (const key of keys) await storage.delete(state.bucket, key).catch(() => undefined);
}

function sameProcess(a: ProcessIdentity, b: ProcessIdentity | undefined): boolean {
  return b !== undefined && a.host === b.host && a.pid === b.pid && a.start === b.start;
}

function optionalProcessRuns(deps: LeaseDeps): Pick<LeaseDeps, 'processRuns'> {
  return deps.processRuns === undefined ? {} : { processRuns: deps.processRuns };
}
