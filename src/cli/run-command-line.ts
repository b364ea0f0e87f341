import yargs from 'yargs';
import { errorMessage } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { assembleCommand } from './commands/assemble.js';
import { dlqCommand } from './commands/dlq.js';
import { planCommand } from './commands/plan.js';
import { reportCommand } from './commands/report.js';
import { resubmitCommand } from './commands/resubmit.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { submitCommand } from './commands/submit.js';
import { verifyCommand } from './commands/verify.js';

/**
 * The `iiif-batch` command line, given its arguments (without `node` and the script). Exit status,
 * set on `process.exitCode` (bad usage exits at once): 0 success, 1 the work failed, 2 bad usage or
 * input. `main.ts` runs it for the real process; tests run it in their own process, which saves a
 * Node start per command.
 */
export async function runCommandLine(argv: readonly string[]): Promise<void> {
  await yargs(argv as string[])
    .scriptName('iiif-batch')
    .usage('$0 <command> [options]\n\nPublish digitised collections as static IIIF, on this machine or on AWS Batch.')
    .command(runCommand)
    .command(submitCommand)
    .command(planCommand)
    .command(statusCommand)
    .command(resubmitCommand)
    .command(assembleCommand)
    .command(reportCommand)
    .command(verifyCommand)
    .command(serveCommand)
    .command(dlqCommand)
    .demandCommand(1, 'Name a command; see --help')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    // Usage errors: yargs' own (message only) and those thrown by the commands' option checks
    // (`--workers 0`); the commands report their own run-time errors.
    .fail((message, error) => {
      const reason = error === undefined || error === null ? message : errorMessage(error);
      process.stderr.write(`iiif-batch: ${reason}\nRun "iiif-batch --help" for usage.\n`);
      process.exit(ExitCode.Invalid);
    })
    .parseAsync();
}
