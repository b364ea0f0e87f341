import { type LeaseHolder, LeaseLostError } from '../errors.js';
import type { RunStore } from '../run/run-store.js';
import { putJson } from '../storage/storage.js';
import type { ProcessIdentity } from '../util/process-identity.js';
import {
  describeScope,
  type LeaseHeartbeat,
  type LeaseRecord,
  type LeaseRelease,
  type LeaseScope,
  type LeaseTakeover,
  leaseKey,
} from './lease-records.js';
import { type LeaseState, readLease } from './read-lease.js';

/** What a lease's operations need: where its records are, a clock, and how to tell a process runs. */
export interface LeaseDeps {
  /** Its storage and state location hold the lease records; its run records tell whether a run ended. */
  readonly runStore: RunStore;
  readonly now?: () => Date;
  /** Whether a keeper process still runs (`undefined`: cannot tell from here). Default: `processRuns`. */
  readonly processRuns?: (identity: ProcessIdentity) => boolean | undefined;
}

/** Why a held lease is no longer this run's. */
export interface LeaseLoss {
  readonly message: string;
  /** The run that holds it now, when one does. */
  readonly holder?: LeaseHolder;
}

/** The fastest and slowest a kept lease is renewed. */
const MIN_RENEW_MS = 1000;
const MAX_RENEW_MS = 5 * 60 * 1000;

/**
 * A collection's lease as one process of the holding run sees it (the run may hold it from several
 * processes at once: the process that started it and each job). `renew` writes a sign of life,
 * `release` ends the run's hold; both follow the run's newest generation (a `resubmit` of the run
 * takes a new one) and do nothing to a generation of another run. When another run has taken the
 * lease (this run showed no sign of life for too long), `lost` says so: the holder must stop
 * changing the collection.
 */
export class HeldLease {
  private current: LeaseRecord;
  private lostTo: LeaseLoss | undefined;

  public constructor(
    private readonly deps: LeaseDeps,
    public readonly scope: LeaseScope,
    record: LeaseRecord,
    /** Who in the run renews it (`shard 3 (attempt 1)`), written into heartbeats and the release. */
    public readonly by: string,
    /** Set when this acquisition took the lease from a run that had not released it. */
    public readonly replaced: LeaseTakeover | undefined,
    /** Whether this acquisition created the generation (rather than joining the run's own). */
    public readonly fresh: boolean,
  ) {
    this.current = record;
  }

  public get runId(): string {
    return this.current.runId;
  }

  public get record(): LeaseRecord {
    return this.current;
  }

  /** Set once another run has taken the lease (or its records were removed). */
  public get lost(): LeaseLoss | undefined {
    return this.lostTo;
  }

  /**
   * Throw when the lease is lost: a job calls it before each change to the collection (an image,
   * the manifests), so that it stops within one step of losing the lease.
   *
   * @param stopping what stops, for the message: `shard 3 stops after 12 of 40 images`
   * @throws LeaseLostError
   */
  public assertHeld(stopping: string): void {
    const loss = this.lostTo;
    if (loss === undefined) return;
    throw new LeaseLostError(
      `Run ${this.current.runId} lost the lease of collection ${describeScope(this.scope)}: ${loss.message}. ` +
        `${stopping}, so that two runs never change the collection at once. Complete it with ` +
        `iiif-batch resubmit ${this.current.runId} once ${loss.holder === undefined ? 'the collection is free' : `run ${loss.holder.runId} has finished (iiif-batch status ${loss.holder.runId})`}.`,
      { collection: describeScope(this.scope), ...(loss.holder === undefined ? {} : { holder: loss.holder }) },
    );
  }

  /** Write a sign of life, unless the lease is no longer this run's (then `lost` is set). */
  public async renew(): Promise<void> {
    const state = await this.follow();
    if (state === undefined || state.release !== undefined) return;
    const now = this.now();
    const heartbeat: LeaseHeartbeat = {
      runId: state.record.runId,
      generation: state.record.generation,
      at: now.toISOString(),
      expiresAt: new Date(now.getTime() + state.record.ttlSeconds * 1000).toISOString(),
      by: this.by,
    };
    const { storage, state: location } = this.deps.runStore;
    await putJson(
      storage,
      location.bucket,
      leaseKey(location, this.scope, state.record.generation, 'heartbeat'),
      heartbeat,
    );
  }

  /** End the run's hold: the next run may take the lease at once. Nothing when it is not this run's. */
  public async release(reason: string): Promise<void> {
    const state = await this.follow();
    if (state === undefined || state.release !== undefined) return;
    const record: LeaseRelease = {
      runId: state.record.runId,
      generation: state.record.generation,
      at: this.now().toISOString(),
      by: this.by,
      reason,
    };
    const { storage, state: location } = this.deps.runStore;
    await putJson(
      storage,
      location.bucket,
      leaseKey(location, this.scope, state.record.generation, 'released'),
      record,
    );
  }

  /**
   * Renew the lease every sixth of its time to live (at least every 5 minutes, at most every
   * second; `intervalMs` overrides) until the returned function is called. A renewal that fails
   * goes to `onError`; the next one tries again. The timer never keeps the process alive.
   */
  public keepAlive(onError: (error: unknown) => void, intervalMs?: number): () => void {
    const interval = intervalMs ?? Math.min(MAX_RENEW_MS, Math.max(MIN_RENEW_MS, (this.current.ttlSeconds * 1000) / 6));
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.lostTo !== undefined) return;
      busy = true;
      this.renew()
        .catch(onError)
        .finally(() => {
          busy = false;
        });
    }, interval);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The current generation when it is this run's (adopting a newer one of the run); else sets `lost`. */
  private async follow(): Promise<LeaseState | undefined> {
    if (this.lostTo !== undefined) return undefined;
    const state = await readLease(this.deps.runStore, this.scope);
    if (state === undefined) {
      this.lostTo = { message: `the lease records of collection ${describeScope(this.scope)} were removed` };
      return undefined;
    }
    if (state.record.runId !== this.current.runId) {
      const holder = leaseHolder(state);
      this.lostTo = {
        message: `run ${holder.runId} took the lease of collection ${describeScope(this.scope)} at ${holder.acquiredAt}${state.record.replaced === undefined ? '' : `: ${state.record.replaced.reason}`}`,
        holder,
      };
      return undefined;
    }
    this.current = state.record;
    return state;
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }
}

/** The holder of a lease as a refusal or a loss names it. */
export function leaseHolder(state: LeaseState): LeaseHolder {
  return {
    runId: state.record.runId,
    generation: state.record.generation,
    acquiredAt: state.record.acquiredAt,
    by: state.record.by,
    lastSign: state.lastSign.toISOString(),
    expiresAt: state.expiresAt.toISOString(),
  };
}
