import type { RunEstimate } from '../plan/estimate-run.js';
import type { Task } from '../task/task.js';
import type { VerifyResult } from '../verify/verify-published.js';
import type { CompactItem } from './compact-images.js';
import type { ImageResult } from './image-result.js';
import type { RunWarning } from './run-warning.js';

/**
 * Where the pipeline keeps its own records: a bucket and a key prefix (may be empty). Run records
 * are under `{prefix}/runs/`, resume markers of published images under `{prefix}/published/`.
 * In the cloud: the task bucket, beside `tasks/`. Locally: `DIR/_iiif-batch/`.
 */
export interface StateLocation {
  readonly bucket: string;
  readonly prefix: string;
}

/** The local state bucket: `DIR/_iiif-batch` (an underscore is never in an S3 bucket name). */
export const LOCAL_STATE_BUCKET = '_iiif-batch';

/** The image formats recognised by extension. */
export type SourceFormat = 'jpeg' | 'tiff' | 'png' | 'webp' | 'gif' | 'jp2' | 'pdf';

/** One image as the plan sees it. */
export interface PlannedImage {
  readonly item: string;
  readonly sourceKey: string;
  /** URL-safe name, unique in the item, stable across reruns. */
  readonly name: string;
  readonly format: SourceFormat;
  /** Size of the whole source file. */
  readonly bytes: number;
  readonly etag: string;
  /** Which page of a multi-page file (1-based): only for files of more than one page. */
  readonly page?: number;
  /** How many pages the file has: only beside `page`. */
  readonly pages?: number;
}

/** One item: a folder that directly holds images. Images in natural file-name order. */
export interface PlannedItem {
  readonly id: string;
  /** The folder's key prefix in the source bucket (no trailing `/`). */
  readonly folder: string;
  readonly images: readonly { readonly name: string; readonly sourceKey: string; readonly page?: number }[];
}

/** What one shard worker reads: its own images only (constant size per child). */
export interface ShardDescription {
  readonly runId: string;
  readonly shard: number;
  readonly shardCount: number;
  readonly task: Task;
  readonly images: readonly PlannedImage[];
  /** Estimated seconds of work for the shard, from the planner's cost model. */
  readonly estimatedSeconds: number;
}

/**
 * `shards/{n}.json` as written: the description with its images grouped by item, each named by its
 * file name in the item's folder (`CompactItem`); `RunStore.getShard` gives back the description.
 */
export type ShardRecord = Omit<ShardDescription, 'images'> & { readonly items: readonly CompactItem[] };

/** Where a task file came from; a cloud run is keyed on its version for idempotency. */
export interface TaskSource {
  /** `s3://bucket/key` or a local path. */
  readonly location: string;
  readonly bucket?: string;
  readonly key?: string;
  /** S3 version id or ETag of the task file that was submitted (what the run id hashes). */
  readonly version?: string;
  /** The S3 version id that was read, when the bucket keeps versions. */
  readonly versionId?: string;
  /** The ETag of the version that was read (read with `If-Match` when there is no version id). */
  readonly etag?: string;
}

export interface RunCounts {
  readonly items: number;
  readonly images: number;
  /** Keys under ACCESS_DIR that are not images by extension. */
  readonly ignored: number;
  readonly shards: number;
}

/** `runs/{runId}/run.json`: created once (conditionally) by the submitter. */
export interface RunRecord {
  readonly runId: string;
  readonly createdAt: string;
  readonly source: TaskSource;
  readonly task: Task;
  readonly counts: RunCounts;
  /** Up to 50 ignored keys, as examples for the report. */
  readonly ignoredSample: readonly string[];
  /** Warnings found while planning (files of ACCESS_DIR that were not read); the report repeats them. */
  readonly warnings?: readonly RunWarning[];
}

/** `runs/{runId}/attempts/{n}.json`: one submission of shards (1 = the first, all shards). */
export interface AttemptRecord {
  readonly runId: string;
  readonly attempt: number;
  readonly createdAt: string;
  /** Original shard numbers covered; child `i` of this attempt tiles shard `shards[i]`. */
  readonly shards: readonly number[];
  readonly launcher: 'local' | 'batch';
  /**
   * Written once before launching (children of later attempts read `shards` from it), then again
   * with the job ids once the launcher has returned.
   */
  readonly status: 'launching' | 'launched';
  readonly shardJobId?: string;
  readonly assemblerJobId?: string;
}

/** `runs/{runId}/results/{shard}.json`: written by a shard worker when it finishes. */
export interface ShardResult {
  readonly runId: string;
  readonly shard: number;
  readonly attempt: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** `succeeded` when no image failed. */
  readonly status: 'succeeded' | 'failed';
  readonly images: readonly ImageResult[];
}

/** A problem with one image, as the run report lists it. */
export interface ImageFailure {
  readonly item: string;
  readonly sourceKey: string;
  readonly reason: string;
}

/** `runs/{runId}/estimate.json`: what `plan` estimates (default options), made by the submitter from the run's plan. */
export interface RunEstimateRecord {
  readonly runId: string;
  /** vCPUs of a worker job the estimate assumed; measured vCPU-hours use the same. */
  readonly workerVcpus: number;
  readonly estimate: RunEstimate;
}

/** An item whose manifest a run did not write, and why. */
export interface IncompleteItem {
  readonly item: string;
  /** e.g. `1 of 3 images not published: p2.tif: truncated JPEG: …`. */
  readonly reason: string;
  /** Whether an earlier run's manifest is still published (and listed in the collection). */
  readonly keptManifest: boolean;
}

/** A run report's image counts: what `run`, `status` and the QC page show. */
export interface ReportCounts {
  readonly images: number;
  readonly tiled: number;
  readonly skipped: number;
  readonly failed: number;
  readonly ignored: number;
  readonly manifests: number;
}

/** `runs/{runId}/report.json`: written by the assembler; what the CLI prints. */
export interface RunReport {
  readonly runId: string;
  readonly finishedAt: string;
  readonly status: 'succeeded' | 'failed';
  readonly counts: ReportCounts;
  readonly failures: readonly ImageFailure[];
  /** Shards with no result record (never ran, or crashed before reporting). */
  readonly missingShards: readonly number[];
  readonly manifests: readonly {
    readonly item: string;
    readonly key: string;
    readonly url: string;
    readonly canvases: number;
  }[];
  /** Items that have no manifest after this run: an image failed or is missing, and none was published before. */
  readonly itemsWithoutManifest: readonly string[];
  /**
   * Items with an image that failed or is missing: this run wrote no manifest for them (a manifest
   * without that page would look complete). Each keeps the manifest an earlier run published, if
   * any; after a fix, `iiif-batch resubmit` completes it. Absent in reports of older versions.
   */
  readonly incompleteItems?: readonly IncompleteItem[];
  /**
   * Everything a person must look at although it did not fail the run: planning (unread files),
   * images (pages not published), the CSV (rows and folders that do not match). In that order.
   */
  readonly warnings: readonly RunWarning[];
  /**
   * What `verify` found after the manifests were written: every file a viewer derives from the
   * published info.json files, manifests and collection. `incomplete` fails the run.
   */
  readonly verify?: VerifyResult;
  readonly collection: { readonly key: string; readonly url: string; readonly items: number } | undefined;
  readonly csv: {
    readonly key: string;
    /** CSV identifiers that matched no item of this run or the collection. */
    readonly unmatchedRows: readonly string[];
    /** Items of this run with no CSV row. */
    readonly itemsWithoutRow: readonly string[];
    /** When the CSV could not be used at all (the manifests are then labelled by identifier). */
    readonly error?: string;
  };
}
