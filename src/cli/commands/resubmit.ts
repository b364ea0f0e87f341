import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type Env, processEnv, readLeaseSeconds } from '../../config.js';
import type { Logger } from '../../log.js';
import type { RunStatus } from '../../operations/read-run-status.js';
import { resolveBatchSubmitConfig } from '../../operations/resolve-batch-config.js';
import { type ResubmissionPlan, type ResubmitOutcome, resubmitRun } from '../../operations/resubmit-run.js';
import type { RunStore } from '../../run/run-store.js';
import { formatWarnings } from '../../run/run-warning.js';
import type { JobLauncher } from '../../submitter/job-launcher.js';
import { reportCommandError } from '../cli-error.js';
import {
  type BatchArgs,
  type TargetArgs,
  withBatchOptions,
  withCloudOptions,
  withTargetOptions,
  withWorkersOption,
} from '../cli-options.js';
import { commandLogger } from '../command-logger.js';
import { localLauncherWithProgress, summariseLocalRun } from '../local-job-output.js';
import { openTarget, runStoreOf, type Target } from '../open-target.js';
import type { ProgressDisplay } from '../progress-display.js';
import { formatRunSummary, type RunSummary } from '../run-summary.js';

interface ResubmitArgs extends TargetArgs, BatchArgs {
  runId: string;
  dryRun: boolean;
  force: boolean;
  workers: number;
}

/** `iiif-batch resubmit RUN_ID`: tile the failed or unreported shards again. */
export const resubmitCommand: CommandModule<object, ResubmitArgs> = {
  command: 'resubmit <run-id>',
  describe: 'Submit the shards of a run that failed or never reported again, then reassemble its manifests',
  builder: (yargs: Argv) =>
    withWorkersOption(withBatchOptions(withCloudOptions(withTargetOptions(yargs))))
      .positional('run-id', { type: 'string', demandOption: true, describe: 'The run id (printed by run or submit)' })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'Show what would be resubmitted; change nothing',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Also resubmit shards still running or pending (stuck jobs, an interrupted local run)',
      })
      .epilog(
        'A new attempt is recorded in the run: on AWS a new array job covering only those shards (child i tiles the ' +
          "attempt's i-th shard) and a new assembler job depending on it; with --local-root the same with local workers, " +
          'waiting for the end. Images already published are skipped, so only what failed is tiled again. ' +
          'Exit status: 0 resubmitted (locally: and everything published) or nothing to do, 1 failed, 2 bad usage.',
      )
      .example('$0 resubmit RUN_ID --dry-run', 'List the shards that would be resubmitted, and why')
      .example('$0 resubmit RUN_ID', 'Resubmit them to AWS Batch (queue and job definitions of the run unless given)')
      .example(
        '$0 resubmit RUN_ID --local-root ./data',
        'Redo the failed shards of a local run after fixing the images',
      ) as unknown as Argv<ResubmitArgs>,
  handler: async (argv: ArgumentsCamelCase<ResubmitArgs>) => {
    try {
      const env = processEnv();
      const target = await openTarget(argv, env);
      const runStore = runStoreOf(target);
      const logger = commandLogger(env, argv.json);
      let display: ProgressDisplay | undefined;
      const outcome = await resubmitRun(
        {
          runStore,
          logger,
          tracker: target.tracker,
          leaseSeconds: readLeaseSeconds(env),
          launcher: async (status, plan) => {
            const built = await buildLauncher(target, runStore, status, plan, argv, env, logger);
            display = built.display;
            return built.launcher;
          },
        },
        { runId: argv.runId, dryRun: argv.dryRun, force: argv.force },
      );
      display?.finish();
      const summary =
        outcome.status === 'launched' && outcome.launch.completed
          ? await summariseLocalRun(runStore, argv.runId)
          : undefined;
      const exitCode = summary?.exitCode ?? 0;
      if (argv.json) {
        process.stdout.write(`${JSON.stringify(jsonOutcome(outcome, summary, exitCode))}\n`);
      } else {
        process.stdout.write(formatOutcome(outcome, summary));
      }
      process.exitCode = exitCode;
    } catch (error) {
      reportCommandError(error, argv.json);
    }
  },
};

async function buildLauncher(
  target: Target,
  runStore: RunStore,
  status: RunStatus,
  plan: ResubmissionPlan,
  argv: ResubmitArgs,
  env: Env,
  logger: Logger,
): Promise<{ launcher: JobLauncher; display?: ProgressDisplay }> {
  if (target.kind === 'cloud') {
    const config = await resolveBatchSubmitConfig(target.config.batch, status.attempts, target.tracker);
    return { launcher: target.aws.jobLauncher(config, logger) };
  }
  let total = 0;
  for (const shard of plan.shards) total += (await runStore.getShard(plan.runId, shard)).images.length;
  if (!argv.json) {
    process.stderr.write(
      `Resubmitting ${plan.shards.length} shard(s) (${total} images) of run ${plan.runId} as attempt ${plan.attempt}, ${argv.workers} workers\n`,
    );
  }
  const { launcher, display } = localLauncherWithProgress({
    localRoot: target.localRoot,
    workers: argv.workers,
    baseEnv: env,
    json: argv.json,
    totalImages: () => total,
  });
  return { launcher, ...(display === undefined ? {} : { display }) };
}

function jsonOutcome(outcome: ResubmitOutcome, summary: RunSummary | undefined, exitCode: number) {
  const { plan } = outcome;
  return {
    runId: plan.runId,
    status: outcome.status,
    attempt: plan.attempt,
    shards: plan.shards,
    reasons: plan.reasons.map((shard) => ({ shard: shard.shard, state: shard.state, reason: shard.reason })),
    ...(outcome.status === 'launched'
      ? {
          shardJobId: outcome.launch.shardJobId,
          assemblerJobId: outcome.launch.assemblerJobId,
          warnings: outcome.warnings,
        }
      : {}),
    ...(outcome.status === 'nothing' ? { runState: outcome.before.state, assembler: outcome.before.assembler } : {}),
    ...(summary === undefined ? {} : { summary }),
    exitCode,
  };
}

function formatOutcome(outcome: ResubmitOutcome, summary: RunSummary | undefined): string {
  const { plan, before } = outcome;
  const reasons = plan.reasons.map((shard) => `  shard ${shard.shard}: ${shard.state}: ${shard.reason ?? ''}`);
  switch (outcome.status) {
    case 'nothing': {
      const lines = [`Nothing to resubmit: no shard of run ${plan.runId} failed or went unreported.`];
      if (before.assembler.state === 'failed' || before.report === undefined) {
        lines.push(
          `The assembler ${before.assembler.state === 'failed' ? 'failed' : 'wrote no report'}: iiif-batch assemble ${plan.runId} reruns it.`,
        );
      }
      return `${lines.join('\n')}\n`;
    }
    case 'dry-run':
      return `${[
        `Would resubmit ${plan.shards.length} of ${before.shards.total} shards of run ${plan.runId} as attempt ${plan.attempt}:`,
        ...reasons,
        ...(plan.active.length > 0
          ? [`(${plan.active.length} shard(s) still running or pending: a resubmission waits for them, or use --force)`]
          : []),
      ].join('\n')}\n`;
    case 'launched': {
      const lease = formatWarnings(outcome.warnings);
      if (summary !== undefined) {
        return `${[`Attempt ${plan.attempt} covered shards ${plan.shards.join(', ')}.`, ...lease].join('\n')}\n${formatRunSummary(summary)}`;
      }
      return `${[
        `Resubmitted ${plan.shards.length} shard(s) of run ${plan.runId} as attempt ${plan.attempt}:`,
        ...reasons,
        `  shard job:     ${outcome.launch.shardJobId}${plan.shards.length > 1 ? ` (array of ${plan.shards.length})` : ''}`,
        `  assembler job: ${outcome.launch.assemblerJobId} (after it)`,
        ...lease,
        `Follow it: iiif-batch status ${plan.runId}`,
      ].join('\n')}\n`;
    }
  }
}
