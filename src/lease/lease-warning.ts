import type { RunWarning } from '../run/run-warning.js';
import type { HeldLease } from './held-lease.js';
import { describeScope } from './lease-records.js';

/**
 * The warning of a lease taken from a run that had not released it (none otherwise): that run may
 * have stopped in the middle of an image, whose published files are then incomplete. Such an image
 * is tiled again, since a resume marker is trusted only when its service is complete.
 */
export function leaseWarning(lease: HeldLease): RunWarning[] {
  const { replaced } = lease;
  if (replaced === undefined) return [];
  return [
    {
      code: 'lease-taken-over',
      message:
        `Run ${lease.runId} took the lease of collection ${describeScope(lease.scope)} from run ${replaced.runId}, ` +
        `which had not released it: ${replaced.reason}. Images that run left incomplete are tiled again; ` +
        `look at it with iiif-batch status ${replaced.runId}.`,
    },
  ];
}
