import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { estimateRows } from '../cli/format-estimate.js';
import { packageRoot } from '../local/package-root.js';
import { escapeHtml } from '../util/escape-html.js';
import type { QcReport } from './build-qc-report.js';

export interface QcPageOptions {
  /**
   * Prefix of a viewer URL taking an info.json URL (percent-encoded) after it; the preview server
   * passes its OpenSeadragon page. Without it a thumbnail links the published info.json.
   */
  readonly viewer?: string;
}

/**
 * The QC page of a run as one self-contained HTML document: styles and script inlined, the data
 * as JSON in the page, images loaded from their published URLs. Counts, failures and QC warnings
 * come first as plain HTML (readable without script); the grid of every image with filters by
 * flag, status, item and text is drawn by the inlined script, 200 images a page.
 */
export function renderQcPage(report: QcReport, options: QcPageOptions = {}): string {
  const page = join(packageRoot(), 'src', 'qc', 'page');
  const css = readFileSync(join(page, 'qc-page.css'), 'utf8');
  const script = readFileSync(join(page, 'qc-page.js'), 'utf8');
  const data = { viewer: options.viewer, images: report.images };
  const counts = report.counts;
  const countColumns: [string, number][] = [
    ['items', counts.items],
    ['images', counts.images],
    ['tiled', counts.tiled],
    ['skipped', counts.skipped],
    ['failed', counts.failed],
    ['flagged', counts.flagged],
    ['ignored', counts.ignored],
    ['manifests', counts.manifests],
  ];
  const failures =
    report.failures.length === 0
      ? ''
      : `<section class="failures" id="failures"><h2>Failed images (${report.failures.length})</h2>` +
        `<table class="problems"><thead><tr><th>Item</th><th>Source key</th><th>Reason</th></tr></thead><tbody>` +
        report.failures
          .map(
            (failure) =>
              `<tr><td>${escapeHtml(failure.item)}</td><td class="key">${escapeHtml(failure.sourceKey)}</td>` +
              `<td>${escapeHtml(failure.reason)}</td></tr>`,
          )
          .join('') +
        '</tbody></table></section>';
  const warnings =
    report.warnings.length === 0
      ? ''
      : `<section class="warnings" id="warnings"><h2>Warnings (${report.warnings.length})</h2>` +
        '<p>Published all the same: look at them before the collection goes public.</p>' +
        `<table class="problems"><thead><tr><th>Item</th><th>File</th><th>Code</th><th>Why</th></tr></thead><tbody>` +
        report.warnings
          .map(
            (warning) =>
              `<tr data-code="${escapeHtml(warning.code)}"><td>${escapeHtml(warning.item ?? '')}</td>` +
              `<td class="key">${escapeHtml(warning.file ?? '')}</td><td>${escapeHtml(warning.code)}</td>` +
              `<td>${escapeHtml(warning.message)}</td></tr>`,
          )
          .join('') +
        '</tbody></table></section>';
  const title = `QC: ${report.runId}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>
${css}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<div class="sub">Collection ${escapeHtml(report.collectionId)} · started ${escapeHtml(report.createdAt)}${
    report.finishedAt === undefined ? ' · not assembled yet' : ` · assembled ${escapeHtml(report.finishedAt)}`
  }</div></header>
<main>
<p id="run-status" class="status-${report.status}">Run ${escapeHtml(report.status)}</p>
<table class="counts" id="counts"><thead><tr>${countColumns.map(([name]) => `<th>${name}</th>`).join('')}</tr></thead>
<tbody><tr>${countColumns.map(([name, value]) => `<td data-count="${name}">${value}</td>`).join('')}</tr></tbody></table>
${failures}
${warnings}
${estimateSection(report)}
<section class="images"><h2>Every image</h2>
<div class="filters">
<label>Flag <select id="flag-filter"></select></label>
<label>Status <select id="status-filter"></select></label>
<label>Item <select id="item-filter"></select></label>
<input id="text-filter" type="search" placeholder="Filter by item, name or key" aria-label="Filter by item, name or key">
<span id="match-count"></span>
</div>
<div id="grid" class="grid"></div>
<div class="pager"><button id="prev" type="button">Previous</button><span id="page-label"></span><button id="next" type="button">Next</button></div>
</section>
</main>
<script type="application/json" id="qc-data">${jsonForScript(data)}</script>
<script type="module">
${script}</script>
</body>
</html>
`;
}

/** JSON that cannot close the script element it sits in. */
/** The recorded estimate beside what the run measured: the rows that have both. */
function estimateSection(report: QcReport): string {
  if (report.estimate === undefined) return '';
  const rows = estimateRows(report.estimate, report.measured).filter(
    (row): row is [string, string, string] => row[2] !== undefined,
  );
  return (
    `<section class="estimate" id="estimate"><h2>Estimate and measured</h2>` +
    `<table class="problems"><thead><tr><th></th><th>Estimate</th><th>Measured</th></tr></thead><tbody>` +
    rows
      .map(
        ([name, estimate, measured]) =>
          `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(estimate)}</td><td>${escapeHtml(measured)}</td></tr>`,
      )
      .join('') +
    '</tbody></table></section>'
  );
}

function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
