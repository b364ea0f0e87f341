import { tmpdir } from 'node:os';
import { errorMessage, InfrastructureError, StorageError } from '../errors.js';
import { acquireLease } from '../lease/acquire-lease.js';
import { leaseScopeOf } from '../lease/lease-records.js';
import type { Logger } from '../log.js';
import type { ImageResult } from '../run/image-result.js';
import type { PlannedImage, ShardResult } from '../run/run-records.js';
import type { RunStore } from '../run/run-store.js';
import type { Storage } from '../storage/storage.js';
import { SharedSourceCopy } from './shared-source-copy.js';
import { discardFetchedImage, type FetchedImage, fetchImage, publishImage } from './tile-image.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from './with-retries.js';

/**
 * Working folders of shard workers in the OS temp folder: `iiif-batch-work-{host}-{pid}-{start}-…`
 * (see `claimWorkFolder`), one per process, holding a folder per image being tiled.
 */
export const WORK_FOLDER_PREFIX = 'iiif-batch-work-';

export interface RunShardDeps {
  readonly storage: Storage;
  /** Run records; its state location also holds the resume markers of published images. */
  readonly runStore: RunStore;
  readonly logger: Logger;
  /** Uploads in flight per image (WorkerConfig.uploadConcurrency). Default 16. */
  readonly uploadConcurrency?: number;
  readonly retry?: RetryPolicy;
  /** Folder for per-image working files. Default: the OS temp folder. */
  readonly tempDir?: string;
  /** How often the lease is renewed while tiling. Default: a sixth of its time to live (1 s to 5 min). */
  readonly leaseRenewMs?: number;
}

export interface RunShardInput {
  readonly runId: string;
  /** The original shard number (not the child index of a resubmission). */
  readonly shard: number;
  readonly attempt: number;
}

export interface ShardOutcome {
  readonly result: ShardResult;
  /**
   * Some image failed not because of its content but because storage kept failing (throttling,
   * 5xx, network) or something unexpected happened: running the shard again may succeed (already
   * published images are skipped).
   */
  readonly retryable: boolean;
}

/**
 * Tile one shard: read its own description only, join the run's lease of the collection (refused
 * while another run holds it), publish its images one after another (one bad image never stops the
 * others; the next source is fetched while the current image is rendered), renewing the lease
 * meanwhile, log a progress line per image, and record a `ShardResult`. Should another run take
 * the lease (this run showed no sign of life for its time to live), the shard stops before its
 * next image.
 *
 * Log lines (JSON in child processes; the local launcher reads them for progress):
 * `{event: 'shard-start', shard, total}` first, then per image
 * `{event: 'image', shard, done, total, status, sourceKey, reason?}`.
 */
export async function runShard(deps: RunShardDeps, input: RunShardInput): Promise<ShardOutcome> {
  const { storage, runStore } = deps;
  const retry = deps.retry ?? DEFAULT_RETRY_POLICY;
  const logger = deps.logger.child({ runId: input.runId, shard: input.shard, attempt: input.attempt });
  const startedAt = new Date().toISOString();
  const description = await withRetries(() => runStore.getShard(input.runId, input.shard), retry);
  const total = description.images.length;
  const lease = await withRetries(
    () =>
      acquireLease(
        { runStore },
        {
          scope: leaseScopeOf(description.task),
          runId: input.runId,
          by: `shard ${input.shard} (attempt ${input.attempt})`,
        },
      ),
    retry,
  );
  const stopRenewing = lease.keepAlive(
    (error) => logger.warn('could not renew the lease of the collection', { error: errorMessage(error) }),
    deps.leaseRenewMs,
  );
  logger.info(`Shard ${input.shard}: ${total} images`, { event: 'shard-start', shard: input.shard, total });

  // The next page of a multi-page source the shard just copied is linked, not downloaded again.
  const sharedCopy = new SharedSourceCopy(deps.tempDir ?? tmpdir());
  const tileDeps = {
    storage,
    logger,
    retry,
    sharedCopy,
    ...(deps.uploadConcurrency === undefined ? {} : { uploadConcurrency: deps.uploadConcurrency }),
    ...(deps.tempDir === undefined ? {} : { tempDir: deps.tempDir }),
  };
  // While one image is decoded and rendered, the next one's source is fetched.
  const fetch = (image: PlannedImage): Promise<Settled<ImageResult | FetchedImage>> =>
    settle(fetchImage(tileDeps, { task: description.task, image, state: runStore.state }));

  const images: ImageResult[] = [];
  let retryable = false;
  let next = description.images[0] === undefined ? undefined : fetch(description.images[0]);
  try {
    for (const [index, image] of description.images.entries()) {
      const fetched = await (next as Promise<Settled<ImageResult | FetchedImage>>);
      if (lease.lost !== undefined) {
        if (fetched.ok && !('status' in fetched.value)) await discardFetchedImage(fetched.value);
        lease.assertHeld(`Shard ${input.shard} stops after ${index} of ${total} images`);
      }
      const following = description.images[index + 1];
      next = following === undefined ? undefined : fetch(following);
      let result: ImageResult;
      try {
        if (!fetched.ok) throw fetched.error;
        result = 'status' in fetched.value ? fetched.value : await publishImage(tileDeps, fetched.value);
      } catch (error) {
        // tileImage returns content problems as results; what it throws is storage or a surprise.
        retryable = true;
        result = unexpectedFailure(image, error);
        logger.error(`Image ${image.sourceKey} failed`, { sourceKey: image.sourceKey, error });
      }
      images.push(result);
      logger.info(`${result.status} ${image.sourceKey}`, {
        event: 'image',
        shard: input.shard,
        done: images.length,
        total,
        status: result.status,
        sourceKey: image.sourceKey,
        ...(result.reason === undefined || result.status !== 'failed' ? {} : { reason: result.reason }),
        ...(result.seconds === undefined ? {} : { seconds: result.seconds }),
      });
    }
  } finally {
    stopRenewing();
    await sharedCopy.close();
  }

  const result: ShardResult = {
    runId: input.runId,
    shard: input.shard,
    attempt: input.attempt,
    startedAt,
    finishedAt: new Date().toISOString(),
    status: images.some((image) => image.status === 'failed') ? 'failed' : 'succeeded',
    images,
  };
  await withRetries(() => runStore.putResult(result), retry);
  const count = (status: string): number => images.filter((image) => image.status === status).length;
  logger.info(`Shard ${input.shard} done`, {
    event: 'shard-done',
    shard: input.shard,
    tiled: count('tiled'),
    skipped: count('skipped'),
    failed: count('failed'),
  });
  return { result, retryable };
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** A promise that never rejects (so one fetched ahead is never an unhandled rejection). */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function unexpectedFailure(image: PlannedImage, error: unknown): ImageResult {
  const reason =
    error instanceof InfrastructureError
      ? errorMessage(error)
      : error instanceof StorageError
        ? `storage error: ${errorMessage(error)}`
        : `unexpected error: ${errorMessage(error)}`;
  return {
    item: image.item,
    sourceKey: image.sourceKey,
    name: image.name,
    ...(image.page === undefined ? {} : { page: image.page }),
    status: 'failed',
    reason,
    retryable: true,
    sourceEtag: image.etag,
    sourceBytes: image.bytes,
  };
}
