import type { RunRecord, RunReport, ShardResult } from '../run/run-records.js';
import type { RunStore } from '../run/run-store.js';
import { getJson, getJsonIfExists } from '../storage/storage.js';
import type { JobTracker } from './job-tracker.js';

export type WaitProgress =
  /** No run record yet: the submitter has not picked the task up. */
  | { readonly phase: 'waiting'; readonly seconds: number }
  | {
      readonly phase: 'running';
      readonly run: RunRecord;
      /** Images the shards have reported (tiled, skipped or failed). */
      readonly done: number;
      readonly failed: number;
      readonly total: number;
      readonly seconds: number;
    };

export type WaitOutcome =
  | { readonly status: 'finished'; readonly run: RunRecord; readonly report: RunReport }
  | {
      readonly status: 'rejected';
      readonly rejection: { readonly message: string; readonly field?: string; readonly source?: string };
    }
  /** The assembler's job failed, so no report will come. */
  | { readonly status: 'assembler-failed'; readonly run: RunRecord; readonly reason: string }
  | { readonly status: 'timed-out'; readonly run: RunRecord | undefined }
  /** Neither a run record nor a rejection appeared within `startTimeoutMs`: nothing picked the task up. */
  | { readonly status: 'not-started' };

export interface WaitDependencies {
  readonly runStore: RunStore;
  /**
   * When given, an assembler its tracker takes as failed ends the wait (otherwise only the report,
   * a rejection or a timeout do).
   */
  readonly tracker?: JobTracker;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly onProgress?: (progress: WaitProgress) => void;
}

/**
 * Follow a run until its assembler has written the report, the submitter has rejected the task
 * (`error.json`), the assembler's Batch job has failed, or `timeoutMs` has passed; or until
 * `startTimeoutMs` has passed with neither a run record nor a rejection (nothing picked the task
 * up). Progress counts the images in the shards' result records, reading each only when it changes.
 */
export async function waitForRun(
  deps: WaitDependencies,
  request: {
    readonly runId: string;
    readonly intervalMs: number;
    readonly timeoutMs?: number;
    readonly startTimeoutMs?: number;
  },
): Promise<WaitOutcome> {
  const { runStore } = deps;
  const now = deps.now ?? Date.now;
  const started = now();
  const counted = new Map<string, { etag: string; done: number; failed: number }>();
  let run: RunRecord | undefined;
  for (;;) {
    const seconds = Math.round((now() - started) / 1000);
    run ??= await runStore.findRun(request.runId);
    if (run === undefined) {
      const rejection = await getJsonIfExists<{ message: string; field?: string; source?: string }>(
        runStore.storage,
        runStore.state.bucket,
        runStore.runKey(request.runId, 'error.json'),
      );
      if (rejection !== undefined) return { status: 'rejected', rejection };
      if (request.startTimeoutMs !== undefined && now() - started >= request.startTimeoutMs) {
        return { status: 'not-started' };
      }
      deps.onProgress?.({ phase: 'waiting', seconds });
    } else {
      const report = await runStore.getReport(request.runId);
      if (report !== undefined) return { status: 'finished', run, report };
      const progress = await countReported(runStore, request.runId, counted);
      deps.onProgress?.({ phase: 'running', run, ...progress, total: run.counts.images, seconds });
      if (deps.tracker !== undefined) {
        const failure = await assemblerFailure(deps.tracker, runStore, request.runId, new Date());
        // The report may have landed between the two reads.
        if (failure !== undefined && (await runStore.getReport(request.runId)) === undefined) {
          return { status: 'assembler-failed', run, reason: failure };
        }
      }
    }
    if (request.timeoutMs !== undefined && now() - started >= request.timeoutMs) return { status: 'timed-out', run };
    await deps.sleep(request.intervalMs);
  }
}

async function countReported(
  runStore: RunStore,
  runId: string,
  counted: Map<string, { etag: string; done: number; failed: number }>,
): Promise<{ done: number; failed: number }> {
  const prefix = `${runStore.runKey(runId, 'results')}/`;
  for await (const object of runStore.storage.list(runStore.state.bucket, prefix)) {
    if (!object.key.endsWith('.json') || counted.get(object.key)?.etag === object.etag) continue;
    const result = await getJson<ShardResult>(runStore.storage, runStore.state.bucket, object.key);
    counted.set(object.key, {
      etag: object.etag,
      done: result.images.length,
      failed: result.images.filter((image) => image.status === 'failed').length,
    });
  }
  let done = 0;
  let failed = 0;
  for (const entry of counted.values()) {
    done += entry.done;
    failed += entry.failed;
  }
  return { done, failed };
}

/** Why the latest attempt's assembler failed, or `undefined` when it has not. */
async function assemblerFailure(
  tracker: JobTracker,
  runStore: RunStore,
  runId: string,
  now: Date,
): Promise<string | undefined> {
  const latest = (await runStore.listAttempts(runId)).at(-1);
  if (latest === undefined) return undefined;
  const job = await tracker.assemblerJob(latest, false, now);
  if (job.state !== 'failed') return undefined;
  const reason = job.reason ?? 'no reason given';
  return job.jobId === undefined ? reason : `assembler job ${job.jobId} failed: ${reason}`;
}
