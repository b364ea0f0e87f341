import type { JobTracker } from '../operations/job-tracker.js';

/**
 * Jobs run as processes of this machine: the local launcher records an attempt as `launched` only
 * after every worker and the assembler have exited, so until then its jobs are running (or were
 * interrupted with the command), and afterwards a missing result or report means it never came.
 */
export class LocalJobTracker implements JobTracker {
  public async shardJobs(...[attempt, shards]: Parameters<JobTracker['shardJobs']>) {
    return new Map(
      shards.map(({ child, missing }) => [
        child,
        attempt.status === 'launched'
          ? { state: 'failed' as const, reason: `${missing}: the worker exited without reporting` }
          : {
              state: 'running' as const,
              reason: `${missing} yet: attempt ${attempt.attempt} is running on this machine, or was interrupted`,
            },
      ]),
    );
  }

  public async assemblerJob(...[attempt, reported]: Parameters<JobTracker['assemblerJob']>) {
    const number = attempt.attempt;
    if (reported) return { state: 'succeeded' as const };
    return attempt.status === 'launched'
      ? { state: 'failed' as const, reason: `the assembler of attempt ${number} wrote no report` }
      : { state: 'pending' as const, reason: `attempt ${number} is running on this machine, or was interrupted` };
  }
}
