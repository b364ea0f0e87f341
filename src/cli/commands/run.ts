import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { cpuCount, processEnv } from '../../config.js';
import { reportCommandError } from '../cli-error.js';
import { checkFlag, workersRule } from '../cli-options.js';
import { commandLogger } from '../command-logger.js';
import { readTaskFile } from '../read-task-file.js';
import { runLocally } from '../run-locally.js';
import { formatRunSummary } from '../run-summary.js';

interface RunArgs {
  task: string;
  localRoot: string;
  workers: number;
  json: boolean;
}

/** `iiif-batch run TASK --local-root DIR`: the whole pipeline on this machine. */
export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <task>',
  describe: 'Run a task file on this machine: tile every image and write the manifests (embedded pipeline)',
  builder: (yargs: Argv) =>
    yargs
      .positional('task', { type: 'string', demandOption: true, describe: 'Path of the task file (JSON)' })
      .option('local-root', {
        type: 'string',
        demandOption: true,
        describe: 'Folder holding one folder per bucket: s3://b/k is DIR/b/k',
      })
      .option('workers', {
        type: 'number',
        default: cpuCount(),
        describe: 'Shard workers running at once (default: number of CPUs)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object with the result on stdout' })
      .check((argv) => checkFlag('--workers', workersRule, argv.workers))
      .example('$0 run examples/task.json --local-root examples/data', 'Tile the example collection')
      // yargs types the kebab-case name; the handler receives the camelCase one as well.
      .example(
        '$0 run task.json --local-root ./data --workers 4 --json',
        'Four workers, machine-readable result',
      ) as unknown as Argv<RunArgs>,
  handler: async (argv: ArgumentsCamelCase<RunArgs>) => {
    try {
      const task = await readTaskFile(argv.task);
      const env = processEnv();
      const summary = await runLocally({
        task,
        taskLocation: argv.task,
        localRoot: argv.localRoot,
        workers: argv.workers,
        env,
        logger: commandLogger(env, argv.json),
        json: argv.json,
      });
      if (argv.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        process.stdout.write(formatRunSummary(summary));
        const served = join(argv.localRoot, task.destBucket);
        process.stdout.write(
          `Look at it: npx iiif-batch serve ${served} --port ${servePort(task.destUrl)}  (DEST_URL ${task.destUrl} must point there)\n`,
        );
      }
      process.exitCode = summary.exitCode;
    } catch (error) {
      reportCommandError(error, argv.json);
    }
  },
};

/** The port a local preview should use so that DEST_URL resolves (8080 when DEST_URL names none). */
function servePort(destUrl: string): string {
  const url = new URL(destUrl);
  return url.port !== '' ? url.port : '8080';
}
