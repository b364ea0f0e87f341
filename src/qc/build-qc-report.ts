import { chooseThumbnail } from '../iiif/presentation/thumbnail.js';
import type { Logger } from '../log.js';
import { collectOutcomes } from '../manifest-assembler/collect-outcomes.js';
import type { ImageStatus } from '../run/image-result.js';
import type { RunStore } from '../run/run-store.js';
import type { RunWarning } from '../run/run-warning.js';
import type { Task } from '../task/task.js';
import type { QcFlag } from './image-qc.js';
import { qcSubjectsOf } from './qc-subjects.js';
import { qcWarnings } from './qc-warnings.js';
import { runFindings } from './run-findings.js';

/** Longer side of the thumbnails on the QC page (the nearest published `sizes` file at or above). */
export const QC_THUMBNAIL_TARGET = 200;

/** One image on the QC page. */
export interface QcImageRow {
  readonly item: string;
  readonly name: string;
  readonly sourceKey: string;
  /** `missing` when no shard recorded a result for it (yet). */
  readonly status: ImageStatus | 'missing';
  readonly reason?: string;
  readonly width?: number;
  readonly height?: number;
  readonly seconds?: number;
  /** A published `sizes` file (never the full image). */
  readonly thumbnail?: string;
  /** The image service (info.json's `id`), for a viewer. */
  readonly service?: string;
  readonly flags: readonly QcFlag[];
}

/** Everything the QC page and `report --json` show about a run. */
export interface QcReport {
  readonly runId: string;
  readonly collectionId: string;
  readonly createdAt: string;
  /** When the assembler wrote the run report; absent while the run has no report. */
  readonly finishedAt?: string;
  readonly status: 'succeeded' | 'failed' | 'unfinished';
  readonly counts: {
    readonly items: number;
    readonly images: number;
    readonly tiled: number;
    readonly skipped: number;
    readonly failed: number;
    readonly ignored: number;
    readonly manifests: number;
    readonly flagged: number;
  };
  /** Images not published, each with its reason and source key. */
  readonly failures: readonly { readonly item: string; readonly sourceKey: string; readonly reason: string }[];
  /**
   * Every warning of the run (QC flags, CSV, sources): the report's, or while the run has no
   * report, those known so far.
   */
  readonly warnings: readonly RunWarning[];
  readonly images: readonly QcImageRow[];
}

export interface QcReportOptions {
  /**
   * Where the page loads a published file from, given its published URL and the run's task:
   * unchanged by default (`report --html`); the preview server maps `DEST_URL` onto the folder
   * it serves.
   */
  readonly urlOf?: (publishedUrl: string, task: Task) => string;
  readonly logger: Logger;
}

/**
 * Read a run's records (run, items, every shard's results, the report when there is one) and put
 * together what the QC page shows: counts, failures and QC warnings first, then every image with
 * its thumbnail, size, time taken and flags. The QC flags are recomputed from the stored
 * measurements with the assembler's own `runFindings`, so an unfinished run shows them too.
 */
export async function buildQcReport(runStore: RunStore, runId: string, options: QcReportOptions): Promise<QcReport> {
  const run = await runStore.getRun(runId);
  const urlOf = (url: string): string => options.urlOf?.(url, run.task) ?? url;
  const items = await runStore.getItems(runId);
  const report = await runStore.getReport(runId);
  const outcomes = await collectOutcomes(runStore, runId, run.counts.shards, items, options.logger);
  const findings = runFindings(qcSubjectsOf(outcomes));
  const warnings = report?.warnings ?? [...(run.warnings ?? []), ...outcomes.warnings, ...qcWarnings(findings)];
  const flagsOf = new Map(
    findings.map((image) => [`${image.item}\u0000${image.name}`, image.findings.map((finding) => finding.flag)]),
  );
  const reasonOf = new Map(outcomes.failures.map((failure) => [`${failure.item}\u0000${failure.sourceKey}`, failure]));

  const images: QcImageRow[] = [];
  for (const item of items) {
    for (const planned of item.images) {
      const result = outcomes.resultOf(item.id, planned.name);
      const failure = reasonOf.get(`${item.id}\u0000${planned.sourceKey}`);
      const published = result?.image;
      const status = result === undefined ? 'missing' : failure !== undefined ? 'failed' : result.status;
      images.push({
        item: item.id,
        name: planned.name,
        sourceKey: planned.sourceKey,
        status,
        ...(failure === undefined ? {} : { reason: failure.reason }),
        ...(published === undefined
          ? {}
          : {
              width: published.width,
              height: published.height,
              thumbnail: urlOf(chooseThumbnail(published, QC_THUMBNAIL_TARGET).id),
              service: urlOf(published.serviceId),
            }),
        ...(result?.seconds === undefined ? {} : { seconds: result.seconds }),
        flags: flagsOf.get(`${item.id}\u0000${planned.name}`) ?? [],
      });
    }
  }
  return {
    runId,
    collectionId: run.task.collectionId,
    createdAt: run.createdAt,
    ...(report === undefined ? {} : { finishedAt: report.finishedAt }),
    status: report?.status ?? 'unfinished',
    counts: {
      items: items.length,
      images: outcomes.images,
      tiled: outcomes.tiled,
      skipped: outcomes.skipped,
      failed: outcomes.failures.length,
      ignored: run.counts.ignored,
      manifests: report?.counts.manifests ?? 0,
      flagged: findings.length,
    },
    failures: outcomes.failures,
    warnings,
    images,
  };
}
