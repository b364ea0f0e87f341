import { cpuCount, type Env } from '../config.js';
import { LocalJobLauncher } from '../local/local-launcher.js';
import type { RunStore } from '../run/run-store.js';
import { ProgressDisplay } from './progress-display.js';
import { type RunSummary, summariseRun } from './run-summary.js';

/**
 * A local launcher for operator commands, with the same progress display as `run` on stderr
 * (nothing when `json`).
 */
export function localLauncherWithProgress(options: {
  readonly localRoot: string;
  readonly workers: number;
  readonly baseEnv: Env;
  readonly json: boolean;
  readonly totalImages: () => number;
}): { launcher: LocalJobLauncher; display: ProgressDisplay | undefined } {
  const display = options.json ? undefined : new ProgressDisplay(process.stderr, options.totalImages);
  const launcher = new LocalJobLauncher({
    localRoot: options.localRoot,
    workers: options.workers,
    baseEnv: options.baseEnv,
    threadsPerWorker: Math.max(1, Math.floor(cpuCount() / options.workers)),
    ...(display === undefined ? {} : { onProgress: display.onProgress }),
  });
  return { launcher, display };
}

/** The summary of a run after local work on it finished (what `run` prints). */
export async function summariseLocalRun(runStore: RunStore, runId: string): Promise<RunSummary> {
  const run = await runStore.getRun(runId);
  return summariseRun({
    runId,
    task: run.task,
    counts: run.counts,
    report: await runStore.getReport(runId),
    reportLocation: runStore.describe(runId, 'report.json'),
    storage: runStore.storage,
  });
}
