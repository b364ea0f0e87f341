import { RunRecordError } from '../errors.js';
import { acquireLease } from '../lease/acquire-lease.js';
import { leaseScopeOf } from '../lease/lease-records.js';
import { leaseWarning } from '../lease/lease-warning.js';
import type { Logger } from '../log.js';
import type { AttemptRecord, StateLocation } from '../run/run-records.js';
import type { RunWarning } from '../run/run-warning.js';
import type { Task } from '../task/task.js';
import { currentProcess } from '../util/process-identity.js';
import { type RunStatus, type RunStatusDependencies, readRunStatus } from './read-run-status.js';
import { RunStillActiveError } from './resubmit-run.js';

/** Starts the manifest assembler of a run on its own. */
export interface AssemblerLauncher {
  readonly kind: 'local' | 'batch';
  /** Whether `launchAssembler` resolves only once the assembler has ended (see `JobLauncher.waitsForJobs`). */
  readonly waitsForJobs: boolean;
  launchAssembler(request: {
    readonly runId: string;
    readonly attempt: number;
    readonly task: Task;
    readonly state: StateLocation;
  }): Promise<{ readonly assemblerJobId: string; readonly completed: boolean; readonly exitCode?: number }>;
}

export interface ReassembleDependencies extends RunStatusDependencies {
  /** Built only when the assembler is launched (it may need to ask Batch for the run's job definitions). */
  readonly launcher: (status: RunStatus) => Promise<AssemblerLauncher>;
  readonly logger: Logger;
  /** Time to live of the collection's lease without a sign of life, when a new generation is taken. */
  readonly leaseSeconds?: number;
}

export interface ReassembleOutcome {
  readonly before: RunStatus;
  /** The attempt recorded for it: no shards, only an assembler. */
  readonly record: AttemptRecord;
  readonly assemblerJobId: string;
  /** Whether the assembler has already finished (locally), and its exit code then. */
  readonly completed: boolean;
  readonly exitCode?: number;
  /** The lease was taken from another run that had not released it (`lease-taken-over`). */
  readonly warnings: readonly RunWarning[];
}

/**
 * Rerun only the manifest assembler of a run (after a CSV correction, or when it failed): it
 * rewrites the manifests, the collection and the report from the stored per-image results without
 * touching a tile. Recorded as an attempt with no shards, so `status` shows its state.
 *
 * The run takes (or keeps) its collection's lease first, as every step that writes to a collection:
 * the manifests and the collection are not rewritten while another run publishes it.
 *
 * @throws RunRecordError for an unknown or rejected run; RunStillActiveError while shards are still
 *   running or pending (the manifests would miss their images), unless `force`; LeaseHeldError
 *   while another run holds the collection's lease
 */
export async function reassembleRun(
  deps: ReassembleDependencies,
  request: { readonly runId: string; readonly force?: boolean },
): Promise<ReassembleOutcome> {
  const before = await readRunStatus(deps, request.runId);
  if (before.state === 'rejected') {
    throw new RunRecordError(
      `Run "${request.runId}" was rejected by the submitter (${before.rejection?.message ?? 'no reason recorded'}); it has nothing to assemble`,
      request.runId,
    );
  }
  const active = before.shards.running + before.shards.pending;
  const assemblerActive = before.assembler.state === 'running' || before.assembler.state === 'pending';
  if (request.force !== true && (active > 0 || assemblerActive)) {
    const what = [
      ...(active > 0 ? [`${active} shard(s) running or pending`] : []),
      ...(assemblerActive ? [`the assembler of attempt ${before.assembler.attempt} is ${before.assembler.state}`] : []),
    ].join(' and ');
    throw new RunStillActiveError(
      `Run "${request.runId}" is still running (${what}); assembling now would leave their images out. Wait (iiif-batch status ${request.runId}) or pass --force`,
    );
  }
  const run = await deps.runStore.getRun(request.runId);
  const launcher = await deps.launcher(before);
  const now = deps.now ?? (() => new Date());
  const attempt = before.attempts.reduce((max, record) => Math.max(max, record.attempt), 0) + 1;
  const lease = await acquireLease(
    { runStore: deps.runStore, now },
    {
      scope: leaseScopeOf(run.task),
      runId: request.runId,
      by: 'assemble',
      ...(deps.leaseSeconds === undefined ? {} : { ttlSeconds: deps.leaseSeconds }),
      ...(launcher.waitsForJobs ? { keeper: currentProcess() } : {}),
    },
  );
  const pending: AttemptRecord = {
    runId: request.runId,
    attempt,
    createdAt: now().toISOString(),
    shards: [],
    launcher: launcher.kind,
    status: 'launching',
  };
  let launch: Awaited<ReturnType<AssemblerLauncher['launchAssembler']>>;
  const stopRenewing = lease.keepAlive((error) =>
    deps.logger.warn('could not renew the lease of the collection', { runId: request.runId, error }),
  );
  try {
    await deps.runStore.putAttempt(pending);
    launch = await launcher.launchAssembler({
      runId: request.runId,
      attempt,
      task: run.task,
      state: deps.runStore.state,
    });
  } catch (error) {
    // A lease this reassembly took is given back; one the run already held stays with it.
    if (lease.fresh) await lease.release('the assembler could not be launched').catch(() => undefined);
    throw error;
  } finally {
    stopRenewing();
  }
  const record: AttemptRecord = { ...pending, status: 'launched', assemblerJobId: launch.assemblerJobId };
  await deps.runStore.putAttempt(record);
  // The assembler releases the lease when it ends; one that waited for it may have crashed before.
  if (launch.completed) await lease.release(`the assembler of attempt ${attempt} has ended`);
  deps.logger.info('assembler launched', {
    event: 'assembler-launched',
    runId: request.runId,
    attempt,
    assemblerJobId: launch.assemblerJobId,
  });
  return {
    before,
    record,
    assemblerJobId: launch.assemblerJobId,
    completed: launch.completed,
    ...(launch.exitCode === undefined ? {} : { exitCode: launch.exitCode }),
    warnings: leaseWarning(lease),
  };
}
