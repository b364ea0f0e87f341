import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { processEnv } from '../../config.js';
import { ExitCode } from '../../exit-codes.js';
import { silentLogger } from '../../log.js';
import { buildQcReport, type QcReport } from '../../qc/build-qc-report.js';
import { renderQcPage } from '../../qc/render-qc-page.js';
import { formatWarnings } from '../../run/run-warning.js';
import { reportCommandError } from '../cli-error.js';
import { type TargetArgs, withCloudOptions, withTargetOptions } from '../cli-options.js';
import { formatEstimate } from '../format-estimate.js';
import { openTarget, runStoreOf } from '../open-target.js';

interface ReportArgs extends TargetArgs {
  runId: string;
  html?: string;
}

const MAX_LISTED = 20;

/** `iiif-batch report RUN_ID`: the QC page of a run, and its figures. */
export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <run-id>',
  describe: 'Write the QC page of a run (one HTML file): counts, failures, QC warnings, every image as a thumbnail',
  builder: (yargs: Argv) =>
    withCloudOptions(withTargetOptions(yargs))
      .positional('run-id', { type: 'string', demandOption: true, describe: 'The run id (printed by run or submit)' })
      .option('html', {
        type: 'string',
        describe: 'Where to write the page (default: RUN_ID-qc.html in the current folder)',
      })
      .epilog(
        'The page is one self-contained file (styles and script inlined); thumbnails load from their published URLs. ' +
          'QC flags are warnings, never failures. Exit status: 0 the run succeeded, 1 it failed or is unfinished, ' +
          '2 bad usage or unknown run.',
      )
      .example('$0 report Box2-20250101T120000Z-ab12 --local-root ./data', 'A local run: writes Box2-…-qc.html')
      .example('$0 report RUN_ID --html qc.html', 'A cloud run (records in IIIF_BATCH_STATE_BUCKET)')
      .example('$0 report RUN_ID --json | jq .warnings', 'For scripts') as unknown as Argv<ReportArgs>,
  handler: async (argv: ArgumentsCamelCase<ReportArgs>) => {
    try {
      const target = await openTarget(argv, processEnv());
      const report = await buildQcReport(runStoreOf(target), argv.runId, { logger: silentLogger });
      const path = resolve(argv.html ?? `${argv.runId}-qc.html`);
      await writeFile(path, renderQcPage(report));
      const exitCode = report.status === 'succeeded' ? ExitCode.Ok : ExitCode.Failed;
      if (argv.json) {
        const { images: _, ...summary } = report;
        process.stdout.write(`${JSON.stringify({ ...summary, html: path, exitCode })}\n`);
      } else {
        process.stdout.write(formatQcSummary(report, path));
      }
      process.exitCode = exitCode;
    } catch (error) {
      reportCommandError(error, argv.json);
    }
  },
};

function formatQcSummary(report: QcReport, path: string): string {
  const { counts } = report;
  const lines = [
    `Run ${report.runId}: ${report.status}`,
    `  ${counts.images} images: ${counts.tiled} tiled, ${counts.skipped} skipped, ${counts.failed} failed, ${counts.flagged} flagged`,
  ];
  if (report.failures.length > 0) {
    lines.push('', `Failed images (${report.failures.length}):`);
    for (const failure of report.failures.slice(0, MAX_LISTED)) lines.push(`  ${failure.sourceKey}: ${failure.reason}`);
    if (report.failures.length > MAX_LISTED) lines.push(`  … and ${report.failures.length - MAX_LISTED} more`);
  }
  if (report.warnings.length > 0) lines.push('', ...formatWarnings(report.warnings));
  if (report.estimate === undefined)
    lines.push('', 'No estimate recorded for this run (submitted before runs recorded one).');
  else
    lines.push(
      '',
      'Estimate (made when the run was planned) beside what it measured:',
      formatEstimate(report.estimate, report.measured).trimEnd(),
    );
  lines.push('', `QC page: ${path}`);
  return `${lines.join('\n')}\n`;
}
