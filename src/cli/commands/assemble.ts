import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { processEnv, readLeaseSeconds } from '../../config.js';
import { LocalJobLauncher } from '../../local/local-launcher.js';
import type { AssemblerLauncher } from '../../operations/reassemble-run.js';
import { reassembleRun } from '../../operations/reassemble-run.js';
import { resolveBatchSubmitConfig } from '../../operations/resolve-batch-config.js';
import { formatWarnings } from '../../run/run-warning.js';
import { reportCommandError } from '../cli-error.js';
import {
  type BatchArgs,
  type TargetArgs,
  withBatchOptions,
  withCloudOptions,
  withTargetOptions,
} from '../cli-options.js';
import { commandLogger } from '../command-logger.js';
import { summariseLocalRun } from '../local-job-output.js';
import { openTarget, runStoreOf } from '../open-target.js';
import { formatRunSummary } from '../run-summary.js';

interface AssembleArgs extends TargetArgs, BatchArgs {
  runId: string;
  force: boolean;
}

/** `iiif-batch assemble RUN_ID`: rerun only the manifest assembler. */
export const assembleCommand: CommandModule<object, AssembleArgs> = {
  command: 'assemble <run-id>',
  describe: 'Rerun only the manifest assembler of a run (e.g. after a CSV correction); no tile is touched',
  builder: (yargs: Argv) =>
    withBatchOptions(withCloudOptions(withTargetOptions(yargs)))
      .positional('run-id', { type: 'string', demandOption: true, describe: 'The run id (printed by run or submit)' })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Assemble even while shards are still running or pending (their images are left out)',
      })
      .epilog(
        'The manifests, the collection and the run report are rebuilt from the stored per-image results and the ' +
          'current CSV. On AWS the assembler job definition is submitted alone (recorded as an attempt without shards); ' +
          'with --local-root the assembler runs here and the command waits for it. ' +
          'Exit status: 0 submitted (locally: everything published), 1 failed, 2 bad usage.',
      )
      .example('$0 assemble RUN_ID', 'Submit the assembler of a cloud run to AWS Batch')
      .example(
        '$0 assemble RUN_ID --local-root ./data',
        'Rebuild the manifests of a local run',
      ) as unknown as Argv<AssembleArgs>,
  handler: async (argv: ArgumentsCamelCase<AssembleArgs>) => {
    try {
      const env = processEnv();
      const target = await openTarget(argv, env);
      const runStore = runStoreOf(target);
      const logger = commandLogger(env, argv.json);
      const outcome = await reassembleRun(
        {
          runStore,
          logger,
          tracker: target.tracker,
          leaseSeconds: readLeaseSeconds(env),
          launcher: async (status): Promise<AssemblerLauncher> => {
            if (target.kind === 'cloud') {
              const config = await resolveBatchSubmitConfig(target.config.batch, status.attempts, target.tracker);
              return target.aws.assemblerLauncher(config, logger);
            }
            if (!argv.json) process.stderr.write(`Assembling the manifests of run ${argv.runId}\n`);
            const launcher = new LocalJobLauncher({
              localRoot: target.localRoot,
              workers: 1,
              baseEnv: env,
              // The assembler's warnings and errors, as `run` shows them.
              onProgress: (progress) => {
                if (progress.type === 'output' && !argv.json) {
                  process.stderr.write(`  ${progress.from}: ${progress.message}\n`);
                }
              },
            });
            return {
              kind: 'local',
              waitsForJobs: true,
              launchAssembler: async (request) => {
                const launch = await launcher.launch({ ...request, shards: [] });
                return {
                  assemblerJobId: launch.assemblerJobId,
                  completed: true,
                  exitCode: launch.assemblerExitCode,
                };
              },
            };
          },
        },
        { runId: argv.runId, force: argv.force },
      );
      if (!outcome.completed) {
        const result = {
          runId: argv.runId,
          attempt: outcome.record.attempt,
          assemblerJobId: outcome.assemblerJobId,
          warnings: outcome.warnings,
          exitCode: 0,
        };
        if (argv.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else {
          process.stdout.write(
            `${[
              `Submitted the assembler of run ${argv.runId} as attempt ${outcome.record.attempt}: job ${outcome.assemblerJobId}`,
              ...formatWarnings(outcome.warnings),
              `Follow it: iiif-batch status ${argv.runId}`,
            ].join('\n')}\n`,
          );
        }
        process.exitCode = 0;
        return;
      }
      const summary = await summariseLocalRun(runStore, argv.runId);
      // A report older than this attempt means the assembler failed before writing one.
      const report = await runStore.getReport(argv.runId);
      const fresh = report !== undefined && report.finishedAt >= outcome.record.createdAt;
      const exitCode = outcome.exitCode === 0 && fresh ? summary.exitCode : 1;
      const problem = fresh
        ? undefined
        : `the assembler exited with status ${outcome.exitCode ?? '?'} and wrote no new report`;
      if (argv.json) {
        process.stdout.write(
          `${JSON.stringify({ runId: argv.runId, attempt: outcome.record.attempt, assemblerExitCode: outcome.exitCode, summary, warnings: outcome.warnings, ...(problem === undefined ? {} : { problem }), exitCode })}\n`,
        );
      } else {
        process.stdout.write(`Reassembled run ${argv.runId} (attempt ${outcome.record.attempt}).\n`);
        for (const line of formatWarnings(outcome.warnings)) process.stdout.write(`${line}\n`);
        if (problem !== undefined) process.stdout.write(`Problem: ${problem}\n`);
        process.stdout.write(formatRunSummary(summary));
      }
      process.exitCode = exitCode;
    } catch (error) {
      reportCommandError(error, argv.json);
    }
  },
};
