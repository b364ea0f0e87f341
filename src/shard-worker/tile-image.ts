import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { errorMessage, NotFoundError, StorageError } from '../errors.js';
import { computePyramid } from '../iiif/image-api/compute-pyramid.js';
import { describePublishedImage } from '../iiif/image-api/describe-published-image.js';
import { imageApiFor } from '../iiif/image-api/image-api-for.js';
import { contentKey, type FileContent, listTileSet } from '../iiif/image-api/list-tile-set.js';
import type { Logger } from '../log.js';
import type { ImageQc } from '../qc/image-qc.js';
import { measureRenderedLevel, qcContentOf } from '../qc/measure-rendered-level.js';
import type { ImageResult, PublishedImage } from '../run/image-result.js';
import type { PlannedImage, StateLocation } from '../run/run-records.js';
import type { RunWarning } from '../run/run-warning.js';
import type { Storage } from '../storage/storage.js';
import { collectionKey, joinKey, publicUrl, type Task } from '../task/task.js';
import { noSpaceError } from '../util/no-space-error.js';
import { checkResumeMarker } from './check-resume-marker.js';
import { ensureSharpConfigured, renderConcurrency } from './configure-sharp.js';
import { decodeSource, type SourceWarning } from './decode-source.js';
import { fetchSource } from './fetch-source.js';
import { ImageFailure } from './image-failure.js';
import {
  IMAGE_API_2_NAMES,
  type PublishFingerprint,
  RENDERER_VERSION,
  readPublishedMarker,
  sameFingerprint,
  withdrawPublishedMarker,
  writePublishedMarker,
} from './published-marker.js';
import { renderPyramid } from './render-pyramid.js';
import type { SharedSourceCopy } from './shared-source-copy.js';
import { readableSource } from './sources/readable-source.js';
import { UploadQueue } from './upload-queue.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from './with-retries.js';

/** Tiles and whole-image files never change under one name for a given source and settings. */
export const TILE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** info.json is what changes when an image is retiled: keep it short-lived in caches. */
export const INFO_CACHE_CONTROL = 'public, max-age=300';

export interface TileImageDeps {
  readonly storage: Storage;
  readonly logger: Logger;
  /** Uploads in flight at once (WorkerConfig.uploadConcurrency). Default 16. */
  readonly uploadConcurrency?: number;
  /** Retries of transient storage errors. Default: `DEFAULT_RETRY_POLICY`. */
  readonly retry?: RetryPolicy;
  /** Folder for per-image working files (source copy, decoded pixels, tiles). Default: the OS temp folder. */
  readonly tempDir?: string;
  /** Keeps the last multi-page source copied, so the next page of it is not downloaded again. */
  readonly sharedCopy?: SharedSourceCopy;
}

export interface TileImageInput {
  readonly task: Task;
  readonly image: PlannedImage;
  /**
   * Where resume markers live (`{prefix}/published/...`). With it, an image already published from
   * the same source version and settings is skipped when its service is still complete
   * (`checkResumeMarker`), a marker is withdrawn before its service is published again, and written
   * after publishing. Without it, the image is always tiled and no marker is written.
   */
  readonly state?: StateLocation;
}

/**
 * Publish one source image as a complete static IIIF level-0 image service at
 * `{DEST_PREFIX}/{COLLECTION_IDENTIFIER}/{item}/{image}`: every tile OpenSeadragon requests at every
 * level, `full/max` (2.1 `full/full`), a file per `sizes` entry, and info.json, written last.
 *
 * Steps: stream the source to a temporary file (unless the storage holds it as a local file, read in
 * place); decode it once into 8-bit sRGB pixels (in memory, or a file when too large); render all levels from those pixels (each reduced from the one above) while uploading
 * (bounded concurrency, retries); info.json; the resume marker. It is `fetchImage` then `publishImage`.
 *
 * Resolves to the image's outcome: `tiled`, `skipped` (already published from this source version
 * with these settings, and every file of it is there) or `failed` (missing, empty, truncated or undecodable source, with the reason).
 * Rejects only when storage keeps failing after retries (a `StorageError`), when the working disk
 * is full (an `InfrastructureError`), or on a bug.
 */
export async function tileImage(deps: TileImageDeps, input: TileImageInput): Promise<ImageResult> {
  const fetched = await fetchImage(deps, input);
  return 'status' in fetched ? fetched : publishImage(deps, fetched);
}

/** An image whose source is in a local working folder, ready for `publishImage`. */
export interface FetchedImage {
  readonly input: TileImageInput;
  /** `performance.now()` when fetching began. */
  readonly started: number;
  readonly sourceEtag: string;
  readonly sourceBytes: number;
  readonly fingerprint: PublishFingerprint;
  readonly service: { readonly key: string; readonly id: string };
  /** Owned by the fetched image: `publishImage` or `discardFetchedImage` removes it. */
  readonly workDir: string;
  /** The source's bytes: a copy in `workDir`, or the storage's own local file (read only). */
  readonly sourcePath: string;
  /** Whether `sourcePath` is a copy that may be deleted as soon as it is decoded. */
  readonly sourceIsCopy: boolean;
  /** A resume marker may exist (one that did not match, or was not read): withdraw it before publishing. */
  readonly withdrawMarker: boolean;
  /** Why the marker of a service it claimed complete was not trusted (`published-service-incomplete`). */
  readonly resumeWarning?: RunWarning;
}

/**
 * The first half of `tileImage`: find the source version, skip what is already published, and copy
 * the source into a new working folder. A shard worker fetches the next image while it publishes
 * the current one. Resolves to a final result (skipped, or failed: missing or empty source) or to
 * a `FetchedImage`; rejects only on storage errors that outlast the retries.
 */
export async function fetchImage(deps: TileImageDeps, input: TileImageInput): Promise<ImageResult | FetchedImage> {
  const started = performance.now();
  const { storage } = deps;
  const { task, image, state } = input;
  const retry = deps.retry ?? DEFAULT_RETRY_POLICY;
  const settings = task.settings;
  const serviceKey = joinKey(collectionKey(task), image.item, image.name);
  const serviceId = publicUrl(task, serviceKey);
  const outcome = resultIdentity(image);
  const seconds = (): number => Math.round(performance.now() - started) / 1000;
  const notFound = `source not found: ${storage.describe(task.srcBucket, image.sourceKey)}`;

  const source = await withRetries(() => storage.head(task.srcBucket, image.sourceKey), retry);
  if (source === undefined) {
    return {
      ...outcome,
      status: 'failed',
      reason: notFound,
      seconds: seconds(),
      sourceEtag: image.etag,
      sourceBytes: image.bytes,
    };
  }
  const sourceFields = { sourceEtag: source.etag, sourceBytes: source.size };
  const fingerprint: PublishFingerprint = {
    sourceEtag: source.etag,
    sourceBytes: source.size,
    tileSize: settings.tileSize,
    jpegQuality: settings.jpegQuality,
    imageApiVersion: settings.imageApiVersion,
    fullMaxSize: settings.fullMaxSize,
    serviceId,
    renderer: RENDERER_VERSION,
    ...(settings.imageApiVersion === 2 ? { imageApi2Names: IMAGE_API_2_NAMES } : {}),
    // A PDF page is rendered at PDF_DPI: another resolution is another image.
    ...(image.format === 'pdf' ? { pdfDpi: settings.pdfDpi } : {}),
  };

  let markerFound = false;
  let resumeWarning: RunWarning | undefined;
  if (state !== undefined && !settings.forceRetile) {
    const marker = await withRetries(() => readPublishedMarker(storage, state, task.destBucket, serviceKey), retry);
    markerFound = marker !== undefined;
    if (marker !== undefined && sameFingerprint(marker.fingerprint, fingerprint)) {
      // A marker is trusted only for a service whose every file is still there.
      const problem = await withRetries(() => checkResumeMarker(storage, task.destBucket, marker), retry);
      if (problem === undefined) {
        return {
          ...outcome,
          status: 'skipped',
          reason: 'already published from the same source version with the same settings',
          image: marker.image,
          ...(marker.qc === undefined ? {} : { qc: marker.qc }),
          // What was true of the source when it was published still is: it has not changed.
          ...(marker.warnings === undefined ? {} : { warnings: marker.warnings }),
          tileCount: 0,
          bytes: 0,
          seconds: seconds(),
          ...sourceFields,
        };
      }
      deps.logger.warn('Published service incomplete: tiling it again', { serviceKey, problem });
      resumeWarning = {
        code: 'published-service-incomplete',
        message:
          `${image.sourceKey}: its image service ${serviceKey} was incomplete although it had been published ` +
          `from this source with these settings (${problem}); it was tiled again. Files were removed from the ` +
          'destination after publishing, or two runs of the collection overlapped.',
        item: image.item,
        file: image.sourceKey,
      };
    }
  }

  if (source.size === 0) {
    return { ...outcome, status: 'failed', reason: 'empty file (0 bytes)', seconds: seconds(), ...sourceFields };
  }

  // What publishing needs to know of the earlier publication's marker.
  const markerFields = {
    withdrawMarker: state !== undefined && (settings.forceRetile || markerFound),
    ...(resumeWarning === undefined ? {} : { resumeWarning }),
  };
  const parent = deps.tempDir ?? tmpdir();
  await mkdir(parent, { recursive: true });
  const workDir = await mkdtemp(join(parent, 'iiif-batch-'));
  // A store that already holds the bytes in a local file (the filesystem store) is read in place.
  let localPath: string | undefined;
  try {
    localPath = await withRetries(async () => storage.localPath?.(task.srcBucket, image.sourceKey), retry);
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
  if (localPath !== undefined) {
    return {
      input,
      started,
      ...sourceFields,
      fingerprint,
      service: { key: serviceKey, id: serviceId },
      workDir,
      sourcePath: localPath,
      sourceIsCopy: false,
      ...markerFields,
    };
  }
  const sourcePath = join(workDir, 'source');
  try {
    const bytes = await withRetries(async () => {
      try {
        const fetch = (path: string): Promise<number> => fetchSource(storage, task.srcBucket, image.sourceKey, path);
        if (image.page === undefined || deps.sharedCopy === undefined) return await fetch(sourcePath);
        // A page of a multi-page file: the shard's previous page may have copied the same file.
        const identity = { bucket: task.srcBucket, key: image.sourceKey, etag: source.etag };
        return (await deps.sharedCopy.copyInto(identity, sourcePath, fetch)) ?? source.size;
      } catch (error) {
        if (error instanceof NotFoundError) throw new ImageFailure(notFound, { cause: error });
        if (error instanceof StorageError) throw error;
        // The working disk, not the source, when the copy cannot be written.
        const full = noSpaceError(error, parent);
        if (full !== undefined) throw full;
        // A stream that breaks off mid-transfer (connection reset) is worth another try.
        throw new StorageError(
          `Reading ${storage.describe(task.srcBucket, image.sourceKey)} failed: ${errorMessage(error)}`,
          { bucket: task.srcBucket, key: image.sourceKey, transient: true },
          { cause: error },
        );
      }
    }, retry);
    if (bytes === 0) throw new ImageFailure('empty file (0 bytes)');
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    if (error instanceof ImageFailure) {
      return { ...outcome, status: 'failed', reason: error.reason, seconds: seconds(), ...sourceFields };
    }
    throw error;
  }
  return {
    input,
    started,
    ...sourceFields,
    fingerprint,
    service: { key: serviceKey, id: serviceId },
    workDir,
    sourcePath,
    sourceIsCopy: true,
    ...markerFields,
  };
}

/**
 * The second half of `tileImage`: decode, render, upload, info.json, resume marker. Always removes
 * the fetched image's working folder. Resolves to `tiled` or `failed` (undecodable, truncated);
 * rejects only on storage errors that outlast the retries.
 */
export async function publishImage(deps: TileImageDeps, fetched: FetchedImage): Promise<ImageResult> {
  ensureSharpConfigured();
  const { storage, logger } = deps;
  const { task, image, state } = fetched.input;
  const retry = deps.retry ?? DEFAULT_RETRY_POLICY;
  const outcome = resultIdentity(image);
  const sourceFields = { sourceEtag: fetched.sourceEtag, sourceBytes: fetched.sourceBytes };
  const seconds = (): number => Math.round(performance.now() - fetched.started) / 1000;
  try {
    if (state !== undefined && fetched.withdrawMarker) {
      await withRetries(() => withdrawPublishedMarker(storage, state, task.destBucket, fetched.service.key), retry);
    }
    const published = await publishService({
      deps: { ...deps, retry },
      task,
      image,
      workDir: fetched.workDir,
      sourcePath: fetched.sourcePath,
      sourceIsCopy: fetched.sourceIsCopy,
      service: fetched.service,
    });
    const warnings = published.warnings.map((warning) => sourceWarning(image, warning));
    if (state !== undefined) {
      try {
        await withRetries(
          () =>
            writePublishedMarker(storage, state, task.destBucket, {
              fingerprint: fetched.fingerprint,
              image: published.image,
              ...(published.qc === undefined ? {} : { qc: published.qc }),
              ...(warnings.length > 0 ? { warnings } : {}),
              sourceKey: image.sourceKey,
              publishedAt: new Date().toISOString(),
              tileCount: published.files,
              bytes: published.bytes,
            }),
          retry,
        );
      } catch (error) {
        // The service is complete; without its marker the next run only tiles it again.
        logger.warn('Could not write the resume marker', {
          serviceKey: fetched.service.key,
          error: errorMessage(error),
        });
      }
    }
    // The marker keeps what publishing found; a distrusted marker is this run's news only.
    const reported = fetched.resumeWarning === undefined ? warnings : [fetched.resumeWarning, ...warnings];
    return {
      ...outcome,
      status: 'tiled',
      ...(reported.length > 0 ? { warnings: reported } : {}),
      image: published.image,
      ...(published.qc === undefined ? {} : { qc: published.qc }),
      tileCount: published.files,
      bytes: published.bytes,
      seconds: seconds(),
      ...sourceFields,
    };
  } catch (error) {
    // Decoders report a full working disk as a failed decode: that is the machine's failure.
    // (A storage error names its own location.)
    const full = error instanceof StorageError ? undefined : noSpaceError(error, dirname(fetched.workDir));
    if (full !== undefined) throw full;
    if (error instanceof ImageFailure) {
      return { ...outcome, status: 'failed', reason: error.reason, seconds: seconds(), ...sourceFields };
    }
    throw error;
  } finally {
    await discardFetchedImage(fetched);
  }
}

/** A source's warning as the run reports it: naming the item and the file. */
function sourceWarning(image: PlannedImage, warning: SourceWarning): RunWarning {
  return { ...warning, message: `${image.sourceKey}: ${warning.message}`, item: image.item, file: image.sourceKey };
}

/** The fields that say which image a result is about. */
function resultIdentity(image: PlannedImage): Pick<ImageResult, 'item' | 'sourceKey' | 'name' | 'page'> {
  return {
    item: image.item,
    sourceKey: image.sourceKey,
    name: image.name,
    ...(image.page === undefined ? {} : { page: image.page }),
  };
}

/** Remove a fetched image's working folder (when it will not be published). */
export async function discardFetchedImage(fetched: FetchedImage): Promise<void> {
  await rm(fetched.workDir, { recursive: true, force: true });
}

interface PublishOptions {
  readonly deps: TileImageDeps & { readonly retry: RetryPolicy };
  readonly task: Task;
  readonly image: PlannedImage;
  readonly workDir: string;
  readonly sourcePath: string;
  readonly sourceIsCopy: boolean;
  readonly service: { readonly key: string; readonly id: string };
}

interface PublishOutcome {
  readonly image: PublishedImage;
  /** QC measurement of the smallest level (undefined only when it could not be decoded again). */
  readonly qc: ImageQc | undefined;
  readonly warnings: readonly SourceWarning[];
  readonly files: number;
  readonly bytes: number;
}

async function publishService(options: PublishOptions): Promise<PublishOutcome> {
  const { deps, task, image, workDir, sourcePath, sourceIsCopy, service } = options;
  const { storage, logger, retry } = deps;
  const settings = task.settings;
  const api = imageApiFor(settings.imageApiVersion);

  const phases: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string): void => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };

  // An earlier publication of this service (other settings, an older tool) may leave files behind.
  const infoKey = `${service.key}/info.json`;
  const republishing = (await withRetries(() => storage.head(task.destBucket, infoKey), retry)) !== undefined;

  // Formats sharp cannot read (JPEG 2000, PDF) are first converted into a file it can.
  const readable = await readableSource(sourcePath, workDir, image, settings);
  if (readable.converted && sourceIsCopy) await rm(sourcePath, { force: true });
  const decoded = await decodeSource(
    readable.path,
    workDir,
    readable.format,
    settings.tileSize,
    undefined,
    readable.page === undefined ? {} : { page: readable.page },
  );
  // A copy of the source (or its conversion) is removed once decoded.
  if (sourceIsCopy || readable.converted) await rm(readable.path, { force: true });
  phase('decodeMs');

  const pyramid = computePyramid({
    width: decoded.width,
    height: decoded.height,
    tileSize: settings.tileSize,
    fullMaxSize: settings.fullMaxSize,
  });
  const entries = listTileSet(pyramid, api);
  logger.debug('Rendering', {
    serviceKey: service.key,
    width: pyramid.width,
    height: pyramid.height,
    levels: pyramid.levels.length,
    files: entries.reduce((sum, entry) => sum + entry.paths.length, 0),
  });

  const queue = new UploadQueue(storage, task.destBucket, {
    concurrency: deps.uploadConcurrency ?? 16,
    retry,
  });
  const byContent = new Map(entries.map((entry) => [contentKey(entry.content), entry]));
  // QC hook: the smallest level's JPEG is measured as it goes by (see src/qc).
  const qcKey = contentKey(qcContentOf(pyramid));
  let qc: Promise<ImageQc | undefined> | undefined;
  const emit = async (content: FileContent, jpeg: Buffer): Promise<void> => {
    const entry = byContent.get(contentKey(content));
    if (entry === undefined) throw new Error(`Rendered ${contentKey(content)}, which the tile set does not list`);
    if (contentKey(content) === qcKey) qc = measureQc(jpeg, logger, service.key);
    const [first, ...others] = entry.paths.map((path) => `${service.key}/${path}`);
    if (first === undefined) throw new Error(`Rendered ${contentKey(content)}, which has no path in the tile set`);
    queue.add({
      key: first,
      body: jpeg,
      options: { contentType: 'image/jpeg', cacheControl: TILE_CACHE_CONTROL },
      alsoAt: others,
    });
    await queue.room();
  };
  try {
    await renderPyramid({
      base: decoded.pixels,
      pyramid,
      wants: (content) => byContent.has(contentKey(content)),
      workDir,
      quality: settings.jpegQuality,
      concurrency: renderConcurrency(),
      emit,
    });
  } catch (error) {
    // An upload that failed for good stops rendering: that is the storage's error, not the image's.
    const uploadError = await queue.drain().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    if (uploadError !== undefined) throw uploadError;
    throw new ImageFailure(`tiling failed: ${errorMessage(error)}`, { cause: error });
  }
  phase('renderMs');
  const uploaded = await queue.drain();
  phase('uploadRestMs');

  const info = `${JSON.stringify(api.infoJson(pyramid, service.id), null, 2)}\n`;
  await withRetries(
    () =>
      storage.put(task.destBucket, infoKey, info, {
        contentType: api.infoContentType,
        cacheControl: INFO_CACHE_CONTROL,
      }),
    retry,
  );

  if (republishing) {
    const keep = new Set<string>([infoKey]);
    for (const entry of entries) for (const path of entry.paths) keep.add(`${service.key}/${path}`);
    await removeStaleFiles(storage, task.destBucket, service.key, keep, retry, logger);
  }
  phase('infoMs');
  logger.debug('Published', { serviceKey: service.key, files: uploaded.files + 1, ...phases });

  return {
    image: describePublishedImage(pyramid, api, service),
    qc: await qc,
    warnings: [...readable.warnings, ...decoded.warnings],
    files: uploaded.files + 1,
    bytes: uploaded.bytes + Buffer.byteLength(info),
  };
}

/** QC of the smallest level; a measurement that fails is logged, never the image's failure. */
async function measureQc(jpeg: Buffer, logger: Logger, serviceKey: string): Promise<ImageQc | undefined> {
  try {
    return await measureRenderedLevel(jpeg);
  } catch (error) {
    logger.warn('QC measurement failed', { serviceKey, error: errorMessage(error) });
    return undefined;
  }
}

/**
 * When a service is published again over an earlier publication (its info.json existed), delete
 * what else is under the service's folder: files of other settings (another tile size or version)
 * or of older tools (libvips' `vips-properties.xml`). The folder then holds exactly this service.
 * A first publication skips the listing.
 */
async function removeStaleFiles(
  storage: Storage,
  bucket: string,
  serviceKey: string,
  keep: ReadonlySet<string>,
  retry: RetryPolicy,
  logger: Logger,
): Promise<void> {
  const stale: string[] = [];
  for await (const object of storage.list(bucket, `${serviceKey}/`)) {
    if (!keep.has(object.key)) stale.push(object.key);
  }
  for (const key of stale) await withRetries(() => storage.delete(bucket, key), retry);
  if (stale.length > 0) logger.info('Removed files of an earlier publication', { serviceKey, count: stale.length });
}
