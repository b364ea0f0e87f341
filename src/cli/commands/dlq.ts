import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { CLI_ENV, processEnv } from '../../config.js';
import { ConfigError } from '../../errors.js';
import { type DeadLetter, processDeadLetters } from '../../operations/dead-letters.js';
import { RunStore } from '../../run/run-store.js';
import { integer } from '../../validation/rules.js';
import { reportCommandError } from '../cli-error.js';
import { checkFlag, type TargetArgs, withCloudOptions, withTargetOptions } from '../cli-options.js';
import { openTarget, runStoreOf } from '../open-target.js';

interface DlqArgs extends TargetArgs {
  redrive: boolean;
  queueUrl?: string;
  dlqUrl?: string;
  max: number;
}

/** `iiif-batch dlq`: task messages the submitter gave up on, and why. */
export const dlqCommand: CommandModule<object, DlqArgs> = {
  command: 'dlq',
  describe: 'List task messages in the dead-letter queue with the reason each failed; --redrive moves them back',
  builder: (yargs: Argv) =>
    withCloudOptions(withTargetOptions(yargs))
      .option('redrive', {
        type: 'boolean',
        default: false,
        describe: 'Move the listed messages back to the source queue (after fixing the cause)',
      })
      .option('queue-url', {
        type: 'string',
        describe: `Source queue URL (default: ${CLI_ENV.queueUrl})`,
        group: 'AWS:',
      })
      .option('dlq-url', {
        type: 'string',
        describe: `Dead-letter queue URL (default: ${CLI_ENV.dlqUrl})`,
        group: 'AWS:',
      })
      .option('max', { type: 'number', default: 1000, describe: 'At most this many messages' })
      .check((argv) => checkFlag('--max', integer(1, 100_000), (argv as unknown as DlqArgs).max))
      .epilog(
        'A task message lands in the dead-letter queue when the submitter failed on it with errors worth retrying ' +
          '(throttling, 5xx, configuration) as often as the queue allows; invalid task files are not retried but get an ' +
          'error.json beside the run records, shown here when there is one. Messages are hidden while listed and made ' +
          'visible again afterwards. A local root has no queue, so nothing is listed with --local-root. ' +
          'Exit status: 0 listed (or moved), 1 an AWS call failed, 2 bad usage or missing configuration.',
      )
      .example('$0 dlq', 'List the dead letters (queue URLs from IIIF_BATCH_DLQ_URL / IIIF_BATCH_QUEUE_URL)')
      .example('$0 dlq --redrive --queue-url URL --dlq-url URL', 'Move every dead letter back to the queue')
      .example('$0 dlq --json', 'For scripts') as unknown as Argv<DlqArgs>,
  handler: async (argv: ArgumentsCamelCase<DlqArgs>) => {
    try {
      const target = await openTarget(argv, processEnv());
      if (target.kind === 'local') {
        if (argv.json) process.stdout.write(`${JSON.stringify({ messages: [], redriven: 0, exitCode: 0 })}\n`);
        else process.stdout.write('A local root has no queue, so no dead letters: nothing to list.\n');
        process.exitCode = 0;
        return;
      }
      const dlqUrl = target.config.dlqUrl;
      if (dlqUrl === undefined) {
        throw new ConfigError(`Missing the dead-letter queue: pass --dlq-url or set ${CLI_ENV.dlqUrl}`, CLI_ENV.dlqUrl);
      }
      if (argv.redrive && target.config.queueUrl === undefined) {
        throw new ConfigError(
          `Missing the queue to move messages back to: pass --queue-url or set ${CLI_ENV.queueUrl}`,
          CLI_ENV.queueUrl,
        );
      }
      const letters = await processDeadLetters(
        {
          queue: target.aws.messageQueue(),
          storage: target.aws.storage,
          // Without a configured state bucket, the records are beside the task file (the stack's layout).
          runStoreFor: (taskBucket) =>
            target.config.state === undefined
              ? new RunStore(target.aws.storage, { bucket: taskBucket, prefix: '' })
              : runStoreOf(target),
        },
        {
          dlqUrl,
          ...(target.config.queueUrl === undefined ? {} : { queueUrl: target.config.queueUrl }),
          redrive: argv.redrive,
          max: argv.max,
        },
      );
      const redriven = letters.filter((letter) => letter.redriven).length;
      if (argv.json) process.stdout.write(`${JSON.stringify({ messages: letters, redriven, exitCode: 0 })}\n`);
      else process.stdout.write(formatDeadLetters(letters, argv.redrive));
      process.exitCode = 0;
    } catch (error) {
      reportCommandError(error, argv.json);
    }
  },
};

function formatDeadLetters(letters: readonly DeadLetter[], redrive: boolean): string {
  if (letters.length === 0) return 'The dead-letter queue is empty.\n';
  const lines = [`${letters.length} message(s) in the dead-letter queue${redrive ? ', moved back to the queue' : ''}:`];
  for (const letter of letters) {
    const received = letter.receiveCount === undefined ? '' : `, received ${letter.receiveCount} times`;
    lines.push('', `${letter.messageId}${letter.sentAt === undefined ? '' : ` (sent ${letter.sentAt}${received})`}`);
    if (letter.problem !== undefined) lines.push(`  ${letter.problem}`);
    for (const task of letter.tasks) {
      lines.push(`  ${task.location}${task.runId === undefined ? '' : `  run ${task.runId}`}`, `    ${task.reason}`);
    }
  }
  if (!redrive) lines.push('', 'After fixing the cause: iiif-batch dlq --redrive');
  return `${lines.join('\n')}\n`;
}
