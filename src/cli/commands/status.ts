import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { processEnv } from '../../config.js';
import { readRunStatus } from '../../operations/read-run-status.js';
import { reportCommandError } from '../cli-error.js';
import { type TargetArgs, withCloudOptions, withTargetOptions } from '../cli-options.js';
import { formatRunStatus, statusExitCode } from '../format-run-status.js';
import { openTarget, runStoreOf } from '../open-target.js';

interface StatusArgs extends TargetArgs {
  runId: string;
}

/** `iiif-batch status RUN_ID`: the run at a glance. */
export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status <run-id>',
  describe: 'Show a run: shards and images done or failed (with reasons), the assembler, where the manifests are',
  builder: (yargs: Argv) =>
    withCloudOptions(withTargetOptions(yargs))
      .positional('run-id', { type: 'string', demandOption: true, describe: 'The run id (printed by run or submit)' })
      .epilog(
        "On AWS the shards' state comes from the run records and from Batch (ListJobs over the array job's children); " +
          'locally from the records alone. Exit status: 0 succeeded or still running, 1 the run failed, 2 bad usage or unknown run.',
      )
      .example('$0 status Ms2016_012-Box2-3f9a1c0b2d4e', 'A cloud run (records in IIIF_BATCH_STATE_BUCKET)')
      .example('$0 status Box2-20250101T120000Z-ab12 --local-root ./data', 'A local run')
      .example('$0 status RUN_ID --json | jq .shards', 'For scripts') as unknown as Argv<StatusArgs>,
  handler: async (argv: ArgumentsCamelCase<StatusArgs>) => {
    try {
      const target = await openTarget(argv, processEnv());
      const runStore = runStoreOf(target);
      const status = await readRunStatus({ runStore, tracker: target.tracker }, argv.runId);
      const exitCode = statusExitCode(status);
      if (argv.json) process.stdout.write(`${JSON.stringify({ ...status, exitCode })}\n`);
      else process.stdout.write(formatRunStatus(status));
      process.exitCode = exitCode;
    } catch (error) {
      reportCommandError(error, argv.json);
    }
  },
};
