import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { CLI_ENV, DEFAULT_TASK_PREFIX, type Env, processEnv } from '../../config.js';
import { ConfigError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { readRunStatus } from '../../operations/read-run-status.js';
import {
  defaultTaskKey,
  StorageTaskFileUploader,
  type SubmittedTaskFile,
  submitTaskFile,
} from '../../operations/submit-task-file.js';
import { waitForRun } from '../../operations/wait-for-run.js';
import { LOCAL_STATE_BUCKET } from '../../run/run-records.js';
import { number } from '../../validation/rules.js';
import { reportCommandError } from '../cli-error.js';
import { checkFlag, type TargetArgs, withCloudOptions, withTargetOptions, withWorkersOption } from '../cli-options.js';
import { commandLogger } from '../command-logger.js';
import { formatRunStatus, statusExitCode } from '../format-run-status.js';
import { type CloudTarget, type LocalTarget, openTarget, runStoreOf } from '../open-target.js';
import { readTaskFile } from '../read-task-file.js';
import { runLocally } from '../run-locally.js';
import { formatRunSummary, summariseRun } from '../run-summary.js';
import { WaitDisplay } from '../wait-display.js';

interface SubmitArgs extends TargetArgs {
  task: string;
  bucket?: string;
  key?: string;
  taskPrefix?: string;
  wait: boolean;
  interval: number;
  timeout: number;
  startTimeout: number;
  workers: number;
}

/** `iiif-batch submit TASK`: upload a task file to the task bucket, the pipeline's trigger. */
export const submitCommand: CommandModule<object, SubmitArgs> = {
  command: 'submit <task>',
  describe: 'Upload a task file to the task bucket (this starts the pipeline on AWS) and print its run id',
  builder: (yargs: Argv) =>
    withWorkersOption(withCloudOptions(withTargetOptions(yargs)))
      .positional('task', { type: 'string', demandOption: true, describe: 'Path of the task file (JSON)' })
      .option('bucket', {
        type: 'string',
        describe: `Task bucket (default: ${CLI_ENV.taskBucket}, else IIIF_BATCH_STATE_BUCKET; with --local-root: ${LOCAL_STATE_BUCKET})`,
      })
      .option('task-prefix', {
        type: 'string',
        describe: `Key prefix of task files: the stack's TaskPrefix output (default: ${CLI_ENV.taskPrefix}, else ${DEFAULT_TASK_PREFIX})`,
      })
      .option('key', {
        type: 'string',
        describe: 'Key of the task file in the bucket (default: <task prefix><file name>)',
      })
      .option('wait', {
        type: 'boolean',
        default: false,
        describe: 'Follow the run to its end with a progress bar, then print its summary',
      })
      .option('interval', { type: 'number', default: 10, describe: 'With --wait: seconds between checks' })
      .option('timeout', {
        type: 'number',
        default: 0,
        describe: 'With --wait: give up after this many minutes (0: never)',
      })
      .option('start-timeout', {
        type: 'number',
        default: 5,
        describe:
          'With --wait: give up when the submitter has neither started nor rejected the run after this many minutes',
      })
      .check((argv) => {
        const { interval, timeout, startTimeout } = argv as unknown as SubmitArgs;
        checkFlag('--interval', number(0.1, 3600), interval);
        checkFlag('--timeout', number(0, Number.MAX_VALUE, 'a number of minutes, 0 or more'), timeout);
        return checkFlag(
          '--start-timeout',
          number(Number.MIN_VALUE, 1440, 'a number of minutes above 0 and at most 1440'),
          startTimeout,
        );
      })
      .epilog(
        'The task file is validated here first; an invalid one is not uploaded. The run id is the one the submitter ' +
          'computes from the bucket, key and version of the upload, so the same upload is never submitted twice. ' +
          `With --local-root the same happens on this machine: the task file is copied to DIR/<bucket>/<key> ` +
          `(default DIR/${LOCAL_STATE_BUCKET}/tasks/), given the same kind of run id, and run at once with local ` +
          'workers like `run` (--wait is implied); submitting an unchanged file again only shows its run. ' +
          'Exit status: 0 uploaded (with --wait: everything published), 1 the run failed, 2 invalid task file, ' +
          'rejected by the submitter, or bad usage.',
      )
      .example(
        '$0 submit task.json',
        'Upload to <IIIF_BATCH_TASK_PREFIX, else tasks/>task.json in IIIF_BATCH_TASK_BUCKET; print the run id',
      )
      .example('$0 submit task.json --bucket my-tasks --wait', 'Upload, then follow the run to its report')
      .example(
        '$0 submit examples/task.json --local-root examples/data',
        'The same on this machine',
      ) as unknown as Argv<SubmitArgs>,
  handler: async (argv: ArgumentsCamelCase<SubmitArgs>) => {
    try {
      const env = processEnv();
      // Validate before anything else (and before any AWS client is built).
      await readTaskFile(argv.task);
      const text = await readFile(argv.task, 'utf8');
      const target = await openTarget(argv, env);
      if (target.kind === 'local') await submitLocally(target, text, argv, env);
      else await submitToAws(target, text, argv);
    } catch (error) {
      reportCommandError(error, argv.json);
    }
  },
};

async function submitToAws(target: CloudTarget, text: string, argv: SubmitArgs): Promise<void> {
  const bucket = target.config.taskBucket;
  if (bucket === undefined) {
    throw new ConfigError(`Missing the task bucket: pass --bucket or set ${CLI_ENV.taskBucket}`, CLI_ENV.taskBucket);
  }
  const submitted = await submitTaskFile(target.aws.uploader, {
    text,
    path: argv.task,
    bucket,
    key: argv.key ?? defaultTaskKey(argv.task, target.config.taskPrefix),
  });
  if (!argv.wait) {
    if (argv.json) process.stdout.write(`${JSON.stringify({ ...describeUpload(submitted), exitCode: 0 })}\n`);
    else
      process.stdout.write(
        `Uploaded ${argv.task} to ${submitted.location}\nRun id: ${submitted.runId}\nFollow it: iiif-batch status ${submitted.runId}\n`,
      );
    process.exitCode = ExitCode.Ok;
    return;
  }
  if (!argv.json) process.stderr.write(`Uploaded ${argv.task} to ${submitted.location}\nRun id: ${submitted.runId}\n`);
  const runStore = runStoreOf(target);
  const display = argv.json ? undefined : new WaitDisplay(process.stderr);
  const outcome = await waitForRun(
    {
      runStore,
      tracker: target.tracker,
      sleep: (ms) => sleep(ms),
      ...(display === undefined ? {} : { onProgress: display.onProgress }),
    },
    {
      runId: submitted.runId,
      intervalMs: argv.interval * 1000,
      ...(argv.timeout > 0 ? { timeoutMs: argv.timeout * 60_000 } : {}),
      startTimeoutMs: argv.startTimeout * 60_000,
    },
  );
  display?.finish();
  const upload = describeUpload(submitted);
  switch (outcome.status) {
    case 'finished': {
      const summary = summariseRun({
        runId: submitted.runId,
        task: outcome.run.task,
        counts: outcome.run.counts,
        report: outcome.report,
        reportLocation: runStore.describe(submitted.runId, 'report.json'),
        storage: runStore.storage,
      });
      if (argv.json) process.stdout.write(`${JSON.stringify({ ...upload, ...summary })}\n`);
      else process.stdout.write(formatRunSummary(summary));
      process.exitCode = summary.exitCode;
      return;
    }
    case 'rejected': {
      const message = `The submitter rejected ${submitted.location}: ${outcome.rejection.message}`;
      if (argv.json) {
        process.stdout.write(
          `${JSON.stringify({ ...upload, status: 'rejected', error: outcome.rejection.message, exitCode: ExitCode.Invalid })}\n`,
        );
      } else process.stderr.write(`iiif-batch: ${message}\n`);
      process.exitCode = ExitCode.Invalid;
      return;
    }
    case 'not-started':
    case 'assembler-failed':
    case 'timed-out': {
      const message =
        outcome.status === 'not-started'
          ? `No run ${submitted.runId} appeared within ${argv.startTimeout} minutes of uploading ${submitted.location}: ` +
            `the submitter has neither started nor rejected it. Check that ${submitted.key} is under the task prefix ` +
            `the stack's notification watches (its TaskPrefix output; pass --task-prefix or set ${CLI_ENV.taskPrefix}), ` +
            "and look for the message in the dead-letter queue (iiif-batch dlq) and in the submitter's log."
          : outcome.status === 'assembler-failed'
            ? `Run ${submitted.runId} failed: ${outcome.reason}`
            : outcome.run === undefined
              ? `No run record for ${submitted.runId} after ${argv.timeout} minutes: is the bucket's notification set up for ${submitted.key}? See iiif-batch dlq`
              : `Run ${submitted.runId} did not finish within ${argv.timeout} minutes; it goes on: iiif-batch status ${submitted.runId}`;
      if (argv.json) {
        process.stdout.write(
          `${JSON.stringify({ ...upload, status: outcome.status, error: message, exitCode: ExitCode.Failed })}\n`,
        );
      } else process.stderr.write(`iiif-batch: ${message}\n`);
      process.exitCode = ExitCode.Failed;
      return;
    }
  }
}

async function submitLocally(target: LocalTarget, text: string, argv: SubmitArgs, env: Env): Promise<void> {
  const submitted = await submitTaskFile(new StorageTaskFileUploader(target.storage), {
    text,
    path: argv.task,
    bucket: argv.bucket ?? LOCAL_STATE_BUCKET,
    key: argv.key ?? defaultTaskKey(argv.task, argv.taskPrefix ?? DEFAULT_TASK_PREFIX),
  });
  const existing = await target.runStore.findRun(submitted.runId);
  if (existing !== undefined) {
    // As in the cloud: the same version of a task file is submitted once.
    const status = await readRunStatus({ runStore: target.runStore, tracker: target.tracker }, submitted.runId);
    const exitCode = statusExitCode(status);
    if (argv.json) {
      process.stdout.write(`${JSON.stringify({ ...describeUpload(submitted), duplicate: true, status, exitCode })}\n`);
    } else {
      process.stdout.write(
        `This version of ${argv.task} was submitted before, as run ${submitted.runId}; nothing new runs (use resubmit to redo failed shards).\n\n${formatRunStatus(status)}`,
      );
    }
    process.exitCode = exitCode;
    return;
  }
  if (!argv.json) process.stderr.write(`Copied ${argv.task} to ${submitted.location}\nRun id: ${submitted.runId}\n`);
  const summary = await runLocally({
    task: submitted.task,
    taskLocation: submitted.location,
    localRoot: target.localRoot,
    workers: argv.workers,
    env,
    logger: commandLogger(env, argv.json),
    json: argv.json,
    runId: submitted.runId,
  });
  if (argv.json) process.stdout.write(`${JSON.stringify({ ...describeUpload(submitted), ...summary })}\n`);
  else process.stdout.write(formatRunSummary(summary));
  process.exitCode = summary.exitCode;
}

function describeUpload(submitted: SubmittedTaskFile) {
  return { runId: submitted.runId, task: submitted.location, version: submitted.version };
}
