import { IiifBatchError, RunRecordError } from '../errors.js';
import { acquireLease } from '../lease/acquire-lease.js';
import { leaseScopeOf } from '../lease/lease-records.js';
import { leaseWarning } from '../lease/lease-warning.js';
import type { Logger } from '../log.js';
import type { AttemptRecord } from '../run/run-records.js';
import type { RunWarning } from '../run/run-warning.js';
import type { JobLauncher, LaunchResult } from '../submitter/job-launcher.js';
import { launchAttempt } from '../submitter/submit-run.js';
import { currentProcess } from '../util/process-identity.js';
import { type RunStatus, type RunStatusDependencies, readRunStatus, type ShardStatus } from './read-run-status.js';

/** What a resubmission would cover. */
export interface ResubmissionPlan {
  readonly runId: string;
  /** Number of the attempt it would record. */
  readonly attempt: number;
  /** Original shard numbers, ascending; child `i` of the new attempt tiles `shards[i]`. */
  readonly shards: readonly number[];
  /** Why each of them is resubmitted. */
  readonly reasons: readonly ShardStatus[];
  /** Shards still running or pending, which are left alone (unless forced). */
  readonly active: readonly ShardStatus[];
}

/** A resubmission refused because part of the run is still running. */
export class RunStillActiveError extends IiifBatchError {
  public constructor(message: string) {
    super(message);
    this.name = 'RunStillActiveError';
  }
}

/**
 * The shards to submit again: those that failed (a result with failed images, a FAILED Batch
 * child) or never reported. With `force`, shards still running or pending are included too (for
 * jobs stuck in Batch, or a local run that was interrupted).
 */
export function planResubmission(status: RunStatus, options: { readonly force?: boolean } = {}): ResubmissionPlan {
  const failed = status.shards.list.filter((shard) => shard.state === 'failed');
  const active = status.shards.list.filter((shard) => shard.state === 'running' || shard.state === 'pending');
  const chosen = options.force === true ? [...failed, ...active].sort((a, b) => a.shard - b.shard) : failed;
  const lastAttempt = status.attempts.reduce((max, attempt) => Math.max(max, attempt.attempt), 0);
  return {
    runId: status.runId,
    attempt: lastAttempt + 1,
    shards: chosen.map((shard) => shard.shard),
    reasons: chosen,
    active: options.force === true ? [] : active,
  };
}

export interface ResubmitDependencies extends RunStatusDependencies {
  /** Built only when something is launched (it may need to ask Batch for the run's job definitions). */
  readonly launcher: (status: RunStatus, plan: ResubmissionPlan) => Promise<JobLauncher>;
  readonly logger: Logger;
  /** Time to live of the collection's lease without a sign of life, when a new generation is taken. */
  readonly leaseSeconds?: number;
}

export interface ResubmitRequest {
  readonly runId: string;
  /** Show what would be resubmitted; change nothing. */
  readonly dryRun?: boolean;
  /** Also resubmit shards that are still running or pending. */
  readonly force?: boolean;
}

export type ResubmitOutcome =
  | { readonly status: 'nothing'; readonly plan: ResubmissionPlan; readonly before: RunStatus }
  | { readonly status: 'dry-run'; readonly plan: ResubmissionPlan; readonly before: RunStatus }
  | {
      readonly status: 'launched';
      readonly plan: ResubmissionPlan;
      readonly before: RunStatus;
      readonly record: AttemptRecord;
      readonly launch: LaunchResult;
      /** The lease was taken from another run that had not released it (`lease-taken-over`). */
      readonly warnings: readonly RunWarning[];
    };

/**
 * Submit a new attempt of a run covering only its failed or unreported shards: a new array job
 * (child `i` tiles `shards[i]`, read from the attempt record) and a new assembler depending on it,
 * recorded as attempt n+1. Images already published are skipped by the workers' resume markers.
 *
 * The run takes (or keeps) its collection's lease first: while another run publishes the
 * collection, nothing is launched.
 *
 * @throws RunRecordError for an unknown or rejected run; RunStillActiveError while shards of the
 *   run are still running or pending and `force` is not set (two workers on one shard would race);
 *   LeaseHeldError while another run holds the collection's lease
 */
export async function resubmitRun(deps: ResubmitDependencies, request: ResubmitRequest): Promise<ResubmitOutcome> {
  const before = await readRunStatus(deps, request.runId);
  if (before.state === 'rejected') {
    throw new RunRecordError(
      `Run "${request.runId}" was rejected by the submitter (${before.rejection?.message ?? 'no reason recorded'}); nothing ran, so there is nothing to resubmit: fix the task file and submit it again`,
      request.runId,
    );
  }
  const plan = planResubmission(before, { force: request.force === true });
  if (plan.shards.length === 0 && plan.active.length === 0) return { status: 'nothing', plan, before };
  if (request.dryRun === true) return { status: 'dry-run', plan, before };
  if (plan.active.length > 0) {
    const list = plan.active.map((shard) => `${shard.shard} (${shard.state})`).join(', ');
    throw new RunStillActiveError(
      `Run "${request.runId}" still has ${plan.active.length} shard(s) running or pending: ${truncate(list)}. Wait for them (iiif-batch status ${request.runId}), or pass --force to resubmit them too`,
    );
  }
  if (plan.shards.length === 0) return { status: 'nothing', plan, before };

  const run = await deps.runStore.getRun(request.runId);
  const launcher = await deps.launcher(before, plan);
  const lease = await acquireLease(
    { runStore: deps.runStore, ...(deps.now === undefined ? {} : { now: deps.now }) },
    {
      scope: leaseScopeOf(run.task),
      runId: request.runId,
      by: 'resubmit',
      ...(deps.leaseSeconds === undefined ? {} : { ttlSeconds: deps.leaseSeconds }),
      ...(launcher.waitsForJobs ? { keeper: currentProcess() } : {}),
    },
  );
  try {
    const { record, launch } = await launchAttempt(
      { runStore: deps.runStore, launcher, logger: deps.logger, ...(deps.now === undefined ? {} : { now: deps.now }) },
      { runId: request.runId, task: run.task, attempt: plan.attempt, shards: plan.shards, lease },
    );
    return { status: 'launched', plan, before, record, launch, warnings: leaseWarning(lease) };
  } catch (error) {
    // A lease this resubmission took is given back; one the run already held stays with it.
    if (lease.fresh) await lease.release('the resubmission could not be launched').catch(() => undefined);
    throw error;
  }
}

function truncate(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
