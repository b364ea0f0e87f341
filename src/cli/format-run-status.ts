import { relative } from 'node:path';
import type { RunStatus } from '../operations/read-run-status.js';
import { formatWarnings } from '../run/run-warning.js';
import { formatVerify } from './format-verify.js';

/** Exit status of `status`: 1 when the run failed or was rejected, 0 while it runs or when it succeeded. */
export function statusExitCode(status: RunStatus): 0 | 1 {
  return status.state === 'failed' || status.state === 'rejected' ? 1 : 0;
}

const MAX_LISTED = 50;

/** The run at a glance, for a person. */
export function formatRunStatus(status: RunStatus, cwd = process.cwd()): string {
  const show = (path: string): string => (path.startsWith('/') ? relative(cwd, path) || '.' : path);
  const lines: string[] = [];
  const state = status.state === 'failed' || status.state === 'rejected' ? status.state.toUpperCase() : status.state;
  lines.push(`Run ${status.runId}: ${state}`);
  if (status.rejection !== undefined) {
    lines.push('', `The submitter rejected the task file; nothing ran:`, `  ${status.rejection.message}`);
    if (status.rejection.source !== undefined) lines.push(`  task file: ${show(status.rejection.source)}`);
    lines.push(`Records: ${show(status.records)}`);
    return `${lines.join('\n')}\n`;
  }
  if (status.task !== undefined) {
    lines.push(
      `  ${status.task.jobName}: collection ${status.task.collectionId}, images under ${status.task.srcBucket}/${status.task.accessDir}`,
      `  task ${show(status.task.source)}, created ${status.createdAt ?? '?'}`,
    );
  }
  for (const attempt of status.attempts) {
    const what = attempt.shards === 0 ? 'assembler only' : `${attempt.shards} shard${attempt.shards === 1 ? '' : 's'}`;
    // Local job ids only repeat the run id; Batch job ids are worth showing.
    const jobs =
      attempt.launcher === 'batch'
        ? [attempt.shardJobId, attempt.assemblerJobId].filter((id) => id !== undefined).join(', ')
        : '';
    lines.push(
      `  attempt ${attempt.attempt}: ${what}, ${attempt.launcher}, ${attempt.createdAt}${attempt.status === 'launching' ? ' (launching)' : ''}${jobs === '' ? '' : `  jobs ${jobs}`}`,
    );
  }

  const { shards, images } = status;
  lines.push(
    '',
    ...table('Shards', [
      ['total', shards.total],
      ['succeeded', shards.succeeded],
      ['failed', shards.failed],
      ['running', shards.running],
      ['pending', shards.pending],
    ]),
  );
  lines.push(
    ...table('Images', [
      ['total', images.total],
      ['tiled', images.tiled],
      ['skipped', images.skipped],
      ['failed', images.failed],
      ['not reported', images.unreported],
    ]),
  );

  const unwell = shards.list.filter((shard) => shard.state !== 'succeeded' && shard.reason !== undefined);
  if (unwell.length > 0) {
    lines.push('', 'Shards not succeeded:');
    for (const shard of unwell.slice(0, MAX_LISTED)) {
      const job =
        shard.batchStatus === undefined
          ? ''
          : ` [${shard.batchStatus}${shard.jobId === undefined ? '' : ` ${shard.jobId}`}]`;
      lines.push(`  shard ${shard.shard} (attempt ${shard.attempt}): ${shard.state}: ${shard.reason}${job}`);
    }
    if (unwell.length > MAX_LISTED) lines.push(`  … and ${unwell.length - MAX_LISTED} more (see --json)`);
  }
  if (status.failures.length > 0) {
    lines.push('', `Failed images (${status.failures.length}):`);
    for (const failure of status.failures.slice(0, MAX_LISTED)) lines.push(`  ${failure.sourceKey}: ${failure.reason}`);
    if (status.failures.length > MAX_LISTED)
      lines.push(`  … and ${status.failures.length - MAX_LISTED} more (see --json)`);
  }

  if (status.warnings.length > 0) lines.push('', ...formatWarnings(status.warnings));

  const { assembler } = status;
  const job = assembler.jobId === undefined ? '' : `  job ${assembler.jobId}`;
  lines.push(
    '',
    `Assembler (attempt ${assembler.attempt}): ${assembler.state}${assembler.reason === undefined ? '' : `: ${assembler.reason}`}${job}`,
  );
  const { report } = status;
  if (report === undefined) {
    lines.push('Report:     none yet');
  } else {
    lines.push(
      `Report:     ${show(report.location)} (${report.status}, ${report.finishedAt}${report.current ? '' : ', from an earlier attempt'})`,
      `Manifests:  ${report.manifests} under ${show(report.manifestsUnder)}`,
    );
    if (report.collection !== undefined) {
      lines.push(`Collection: ${show(report.collection.location)}`, `            ${report.collection.url}`);
    }
    for (const item of report.incompleteItems) {
      const manifest = item.keptManifest ? 'keeps its earlier manifest' : 'no manifest';
      lines.push(`Item not updated: ${item.item} (${manifest}): ${item.reason}`);
    }
    if (report.incompleteItems.length === 0 && report.itemsWithoutManifest.length > 0) {
      lines.push(`Items without a manifest: ${report.itemsWithoutManifest.join(', ')}`);
    }
    if (report.verify !== undefined) lines.push(...formatVerify(report.verify));
  }
  if (status.lease !== undefined) lines.push(...formatLease(status.runId, status.lease));
  if (status.state === 'failed') {
    const next =
      shards.failed > 0
        ? `iiif-batch resubmit ${status.runId}   (tiles the failed shards again once their cause is fixed)`
        : `iiif-batch assemble ${status.runId}   (reruns the assembler)`;
    lines.push('', `Next: ${next}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Who holds the collection's lease (`Lease: held by this run since …`). */
function formatLease(runId: string, lease: NonNullable<RunStatus['lease']>): string[] {
  const who = lease.runId === runId ? 'this run' : `run ${lease.runId}`;
  if (lease.released !== undefined) {
    return [
      `Lease:      of ${lease.collection}: released by ${who} at ${lease.released.at} (${lease.released.by}: ${lease.released.reason})`,
    ];
  }
  return [
    `Lease:      of ${lease.collection}: held by ${who} (${lease.by}) since ${lease.acquiredAt}; latest sign of life ${lease.lastSign}, live until ${lease.expiresAt}`,
    ...(lease.free === undefined ? [] : [`            free for another run: ${lease.free}`]),
  ];
}

function table(title: string, columns: readonly [string, number][]): string[] {
  const widths = columns.map(([name, value]) => Math.max(name.length, String(value).length));
  const pad = ' '.repeat(title.length);
  return [
    `${title}  ${columns.map(([name], index) => name.padStart(widths[index] ?? 0)).join('  ')}`,
    `${pad}  ${columns.map(([, value], index) => String(value).padStart(widths[index] ?? 0)).join('  ')}`,
  ];
}
