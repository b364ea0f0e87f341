import { chooseThumbnail } from '../iiif/presentation/thumbnail.js';
import type { Logger } from '../log.js';
import { collectOutcomes } from '../manifest-assembler/collect-outcomes.js';
import { DEFAULT_PLAN_ESTIMATE_OPTIONS } from '../plan/estimate-plan.js';
import type { RunEstimate } from '../plan/estimate-run.js';
import type { ImageStatus } from '../run/image-result.js';
import type { ImageFailure, ReportCounts } from '../run/run-records.js';
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

/** Figures measured after a run, beside which `report` prints the estimate. */
export interface MeasuredFigures {
  readonly images: number;
  readonly megapixels: number;
  readonly objects: number;
  readonly bytes: number;
  readonly workerSeconds: number;
  readonly vcpuHours: number;
}

/** Everything the QC page and `report --json` show about a run. */
export interface QcReport {
  readonly runId: string;
  readonly collectionId: string;
  readonly createdAt: string;
  /** When the assembler wrote the run report; absent while the run has no report. */
  readonly finishedAt?: string;
  readonly status: 'succeeded' | 'failed' | 'unfinished';
  readonly counts: ReportCounts & { readonly items: number; readonly flagged: number };
  /** Images not published, each with its reason and source key. */
  readonly failures: readonly ImageFailure[];
  /**
   * Every warning of the run (QC flags, CSV, sources): the report's, or while the run has no
   * report, those known so far.
   */
  readonly warnings: readonly RunWarning[];
  readonly images: readonly QcImageRow[];
  /** The estimate recorded when the run was planned (absent for runs from before estimates). */
  readonly estimate?: RunEstimate;
  /**
   * What this run measurably did, to set beside the estimate: images it tiled (skipped ones were
   * published by an earlier run and are not counted), their megapixels, the files and bytes the
   * shards wrote plus the manifests and the collection (objects only), every image's seconds.
   */
  readonly measured: MeasuredFigures;
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
  const measured = { images: 0, megapixels: 0, objects: 0, bytes: 0, workerSeconds: 0 };
  for (const item of items) {
    for (const planned of item.images) {
      const result = outcomes.resultOf(item.id, planned.name);
      measured.workerSeconds += result?.seconds ?? 0;
      if (result?.status === 'tiled') {
        measured.images++;
        measured.megapixels += ((result.image?.width ?? 0) * (result.image?.height ?? 0)) / 1e6;
        measured.objects += result.tileCount ?? 0;
        measured.bytes += result.bytes ?? 0;
      }
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
  const recorded = await runStore.getEstimate(runId);
  const workerVcpus = recorded?.workerVcpus ?? DEFAULT_PLAN_ESTIMATE_OPTIONS.workerVcpus;
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
    ...(recorded === undefined ? {} : { estimate: recorded.estimate }),
    measured: {
      ...measured,
      // The manifests and the collection the assembler wrote.
      objects: measured.objects + (report === undefined ? 0 : report.counts.manifests + 1),
      vcpuHours: (measured.workerSeconds * workerVcpus) / 3600,
    },
  };
}
