import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Env } from '../config.js';
import type { Logger } from '../log.js';
import { LOCAL_STATE_BUCKET, type RunCounts, type RunReport, type StateLocation } from '../run/run-records.js';
import { RunStore } from '../run/run-store.js';
import { FsStorage } from '../storage/fs-storage.js';
import { submitRun } from '../submitter/submit-run.js';
import type { Task } from '../task/task.js';
import { LocalJobLauncher, type LocalLaunchResult, type LocalProgress } from './local-launcher.js';

/** The state location of a local root: `DIR/_iiif-batch/`. */
export const LOCAL_STATE: StateLocation = { bucket: LOCAL_STATE_BUCKET, prefix: '' };

export interface LocalRunInput {
  readonly task: Task;
  /** Where the task file came from (recorded in the run). */
  readonly taskLocation: string;
  readonly localRoot: string;
  readonly workers: number;
  readonly baseEnv: Env;
  readonly logger: Logger;
  readonly threadsPerWorker?: number;
  readonly onProgress?: (progress: LocalProgress) => void;
  /** Called once the run is planned, before any worker starts. */
  readonly onPlanned?: (counts: RunCounts) => void;
  /** Fixed run id (tests); default `{jobName}-{UTC timestamp}-{random}`. */
  readonly runId?: string;
  /** How long the collection's lease stays live without a sign of life (default `DEFAULT_LEASE_SECONDS`). */
  readonly leaseSeconds?: number;
}

export interface LocalRunOutcome {
  readonly runId: string;
  readonly counts: RunCounts;
  readonly launch: LocalLaunchResult;
  /** The assembler's report; `undefined` when the assembler did not write one (it crashed). */
  readonly report: RunReport | undefined;
  readonly runStore: RunStore;
}

/**
 * The embedded pipeline: the submitter core over the filesystem under `localRoot`, with local
 * worker processes standing in for Batch children, waiting for the assembler to finish. This
 * process keeps the collection's lease while the workers run (the local launcher waits for them).
 *
 * @throws InvalidInputError (PlanError, CsvError; LeaseHeldError while another run publishes the
 *   collection) when nothing could run
 */
export async function runLocal(input: LocalRunInput): Promise<LocalRunOutcome> {
  const localRoot = resolve(input.localRoot);
  const storage = new FsStorage(localRoot);
  const runStore = new RunStore(storage, LOCAL_STATE);
  const runId = input.runId ?? newRunId(input.task.jobName);
  const launcher = new LocalJobLauncher({
    localRoot,
    workers: input.workers,
    baseEnv: input.baseEnv,
    ...(input.threadsPerWorker === undefined ? {} : { threadsPerWorker: input.threadsPerWorker }),
    ...(input.onProgress === undefined ? {} : { onProgress: input.onProgress }),
  });
  const outcome = await submitRun(
    {
      storage,
      runStore,
      launcher,
      logger: input.logger,
      ...(input.onPlanned === undefined ? {} : { onPlanned: input.onPlanned }),
      ...(input.leaseSeconds === undefined ? {} : { leaseSeconds: input.leaseSeconds }),
    },
    { task: input.task, runId, source: { location: input.taskLocation }, minShards: input.workers },
  );
  if (outcome.status === 'duplicate') {
    // Local run ids are new every time; a clash means two runs were started with one fixed id.
    throw new Error(`Run "${runId}" already exists under ${runStore.describe(runId)}`);
  }
  return {
    runId,
    counts: outcome.counts,
    launch: outcome.launch as LocalLaunchResult,
    report: await runStore.getReport(runId),
    runStore,
  };
}

/** `{jobName}-{yyyymmdd}T{hhmmss}Z-{4 hex}`: sortable, unique enough for one machine. */
export function newRunId(jobName: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${jobName}-${stamp}-${randomBytes(2).toString('hex')}`;
}
