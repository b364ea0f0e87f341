import { relative } from 'node:path';
import type { ImageFailure, IncompleteItem, ReportCounts, RunCounts, RunReport } from '../run/run-records.js';
import { formatWarnings, type RunWarning } from '../run/run-warning.js';
import type { Storage } from '../storage/storage.js';
import type { Task } from '../task/task.js';
import type { VerifyResult } from '../verify/verify-published.js';
import { formatVerify } from './format-verify.js';

/** The machine-readable result of a run (`--json`). */
export interface RunSummary {
  readonly runId: string;
  readonly status: 'succeeded' | 'failed';
  readonly exitCode: number;
  readonly counts: ReportCounts & { readonly items: number };
  readonly failures: readonly ImageFailure[];
  readonly itemsWithoutManifest: readonly string[];
  /** Items that got no new manifest because an image failed (see `RunReport.incompleteItems`). */
  readonly incompleteItems: readonly IncompleteItem[];
  /** What a person must look at although it did not fail the run (see `RunWarning`). */
  readonly warnings: readonly RunWarning[];
  /** What the check of the published files found (absent when the assembler did not get that far). */
  readonly verify?: VerifyResult;
  /** Where the run report is (a path locally, `s3://…` in the cloud). */
  readonly report: string;
  readonly collection: { readonly location: string; readonly url: string } | undefined;
  /** Set when the assembler wrote no report. */
  readonly problem?: string;
}

export function summariseRun(input: {
  readonly runId: string;
  readonly task: Task;
  readonly counts: RunCounts;
  readonly report: RunReport | undefined;
  readonly reportLocation: string;
  readonly storage: Storage;
}): RunSummary {
  const { report } = input;
  const succeeded = report !== undefined && report.status === 'succeeded';
  return {
    runId: input.runId,
    status: succeeded ? 'succeeded' : 'failed',
    exitCode: succeeded ? 0 : 1,
    counts: {
      items: input.counts.items,
      images: report?.counts.images ?? input.counts.images,
      tiled: report?.counts.tiled ?? 0,
      skipped: report?.counts.skipped ?? 0,
      failed: report?.counts.failed ?? 0,
      ignored: report?.counts.ignored ?? input.counts.ignored,
      manifests: report?.counts.manifests ?? 0,
    },
    failures: report?.failures ?? [],
    itemsWithoutManifest: report?.itemsWithoutManifest ?? [],
    incompleteItems: report?.incompleteItems ?? [],
    warnings: report?.warnings ?? [],
    ...(report?.verify === undefined ? {} : { verify: report.verify }),
    report: input.reportLocation,
    collection:
      report?.collection === undefined
        ? undefined
        : {
            location: input.storage.describe(input.task.destBucket, report.collection.key),
            url: report.collection.url,
          },
    ...(report === undefined ? { problem: 'the manifest assembler wrote no report (see its output above)' } : {}),
  };
}

/** A short table and the places to look, for a person. */
export function formatRunSummary(summary: RunSummary, cwd = process.cwd()): string {
  const show = (path: string): string => (path.startsWith('/') ? relative(cwd, path) || '.' : path);
  const { counts } = summary;
  const columns: [string, number][] = [
    ['items', counts.items],
    ['images', counts.images],
    ['tiled', counts.tiled],
    ['skipped', counts.skipped],
    ['failed', counts.failed],
    ['ignored', counts.ignored],
    ['manifests', counts.manifests],
  ];
  const widths = columns.map(([name, value]) => Math.max(name.length, String(value).length));
  const lines = [
    '',
    `Run ${summary.runId}: ${summary.status === 'succeeded' ? 'succeeded' : 'FAILED'}`,
    `  ${columns.map(([name], index) => name.padStart(widths[index] ?? 0)).join('  ')}`,
    `  ${columns.map(([, value], index) => String(value).padStart(widths[index] ?? 0)).join('  ')}`,
  ];
  if (summary.failures.length > 0) {
    lines.push('', `Failed images (${summary.failures.length}):`);
    for (const failure of summary.failures) lines.push(`  ${failure.sourceKey}: ${failure.reason}`);
  }
  if (summary.incompleteItems.length > 0) {
    lines.push('', `Items not updated, an image failed (fix it, then iiif-batch resubmit ${summary.runId}):`);
    for (const item of summary.incompleteItems) {
      const manifest = item.keptManifest ? 'keeps its earlier manifest' : 'no manifest';
      lines.push(`  ${item.item} (${manifest}): ${item.reason}`);
    }
  } else if (summary.itemsWithoutManifest.length > 0) {
    lines.push('', `Items without a manifest: ${summary.itemsWithoutManifest.join(', ')}`);
  }
  if (summary.warnings.length > 0) lines.push('', ...formatWarnings(summary.warnings));
  if (summary.verify !== undefined) lines.push('', ...formatVerify(summary.verify));
  if (summary.problem !== undefined) lines.push('', `Problem: ${summary.problem}`);
  lines.push('');
  if (summary.collection !== undefined) {
    lines.push(`Collection: ${show(summary.collection.location)}`, `            ${summary.collection.url}`);
  }
  lines.push(`Report:     ${show(summary.report)}`);
  return `${lines.join('\n')}\n`;
}
