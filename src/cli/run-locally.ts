import { cpuCount, type Env, readLeaseSeconds } from '../config.js';
import { runLocal } from '../local/run-local.js';
import type { Logger } from '../log.js';
import type { Task } from '../task/task.js';
import { ProgressDisplay } from './progress-display.js';
import { type RunSummary, summariseRun } from './run-summary.js';

/**
 * The embedded pipeline as the CLI runs it (`run`, `submit --local-root`): progress on stderr for
 * a person (none with `--json`), and the run's summary.
 */
export async function runLocally(input: {
  readonly task: Task;
  readonly taskLocation: string;
  readonly localRoot: string;
  readonly workers: number;
  readonly env: Env;
  readonly logger: Logger;
  readonly json: boolean;
  readonly runId?: string;
}): Promise<RunSummary> {
  let totalImages = 0;
  const display = input.json ? undefined : new ProgressDisplay(process.stderr, () => totalImages);
  const outcome = await runLocal({
    task: input.task,
    taskLocation: input.taskLocation,
    localRoot: input.localRoot,
    workers: input.workers,
    baseEnv: input.env,
    logger: input.logger,
    ...(input.runId === undefined ? {} : { runId: input.runId }),
    leaseSeconds: readLeaseSeconds(input.env),
    threadsPerWorker: Math.max(1, Math.floor(cpuCount() / input.workers)),
    ...(display === undefined ? {} : { onProgress: display.onProgress }),
    onPlanned: (counts) => {
      totalImages = counts.images;
      if (!input.json) {
        process.stderr.write(
          `${counts.images} images in ${counts.items} items (${counts.ignored} other files ignored), ${counts.shards} shards, ${input.workers} workers\n`,
        );
      }
    },
  });
  display?.finish();
  return summariseRun({
    runId: outcome.runId,
    task: input.task,
    counts: outcome.counts,
    report: outcome.report,
    reportLocation: outcome.runStore.describe(outcome.runId, 'report.json'),
    storage: outcome.runStore.storage,
  });
}
