import { PlanError } from '../errors.js';
import { readMetadataCsv } from '../manifest-assembler/read-metadata-csv.js';
import type { RunCounts } from '../run/run-records.js';
import type { RunStore } from '../run/run-store.js';
import type { RunWarning } from '../run/run-warning.js';
import type { SkippedEntry, Storage } from '../storage/storage.js';
import type { Task } from '../task/task.js';
import type { Deadline } from '../util/deadline.js';
import { readImageNameRecords } from './image-name-records.js';
import { type ListingPlan, planListing } from './plan-listing.js';
import { type PlannedShard, planShards } from './plan-shards.js';

/** Everything decided before tiling: what `submitRun` records and `iiif-batch plan` prints. */
export interface RunPlan {
  readonly listing: ListingPlan;
  readonly shards: readonly PlannedShard[];
  readonly counts: RunCounts;
  /** Warnings of the listing (symbolic links not followed). */
  readonly warnings: readonly RunWarning[];
  /** Entries of the listing that were not read, for the run record's sample of ignored keys. */
  readonly skipped: readonly SkippedEntry[];
}

/**
 * The planning half of the submitter, with no side effect: list `ACCESS_DIR` (`planListing`: group
 * items with the image names recorded by earlier runs, count the pages of multi-page files from
 * their headers), check the CSV, and plan balanced shards.
 *
 * @throws PlanError when there are no images or the deadline passed; CsvError when the CSV cannot be used
 */
export async function planRun(
  deps: { readonly storage: Storage; readonly runStore: RunStore },
  input: {
    readonly task: Task;
    readonly minShards?: number;
    /** When listing and counting pages must be done by (see `planListing`). */
    readonly deadline?: Deadline;
  },
): Promise<RunPlan> {
  const { storage, runStore } = deps;
  const { task } = input;
  const prefix = `${task.accessDir}/`;
  const skipped: SkippedEntry[] = [];
  const onSkipped = (entry: SkippedEntry): void => {
    skipped.push(entry);
  };
  const where = storage.describe(task.srcBucket, prefix);
  const recordedNames = await readImageNameRecords(runStore.storage, runStore.state, task);
  // Multi-page files (TIFF, PDF) become one image per page: their headers say how many.
  const listing = await planListing(storage.list(task.srcBucket, prefix, { onSkipped }), {
    storage,
    bucket: task.srcBucket,
    accessDir: task.accessDir,
    source: where,
    recordedNames,
    pdfDpi: task.settings.pdfDpi,
    ...(input.deadline === undefined ? {} : { deadline: input.deadline }),
  });
  if (listing.imageCount === 0) {
    throw new PlanError(
      `No images under ${where} (ACCESS_DIR "${task.accessDir}"): found ${listing.objects} objects, ${listing.ignored} of them not images by extension` +
        (skipped.length === 0
          ? ''
          : `, and ${skipped.length} symbolic links not followed (${skipped[0]?.key}: ${skipped[0]?.reason})`),
      { source: where, field: 'ACCESS_DIR' },
    );
  }
  // A bad CSV would only fail the assembler after all the tiling: reject it before anything runs.
  await readMetadataCsv(storage, task);

  const shards = planShards(listing.costs(), task.settings, { minShards: input.minShards ?? 1 });
  const counts: RunCounts = {
    items: listing.itemCount,
    images: listing.imageCount,
    ignored: listing.ignored + skipped.length,
    shards: shards.length,
  };
  const warnings = skipped.map(
    (entry): RunWarning => ({
      code: 'source-link-ignored',
      message: `${entry.key}: ${entry.reason}`,
      file: entry.key,
    }),
  );
  return { listing, shards, counts, warnings, skipped };
}
