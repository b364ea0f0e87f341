import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from '../exit-codes.js';
import { assembleCommand } from './commands/assemble.js';
import { dlqCommand } from './commands/dlq.js';
import { reportCommand } from './commands/report.js';
import { resubmitCommand } from './commands/resubmit.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { submitCommand } from './commands/submit.js';

/**
 * The `iiif-batch` command line. Exit status: 0 success, 1 the work failed, 2 bad usage or input.
 */
export async function main(argv: readonly string[]): Promise<void> {
  await yargs(argv as string[])
    .scriptName('iiif-batch')
    .usage('$0 <command> [options]\n\nPublish digitised collections as static IIIF, on this machine or on AWS Batch.')
    .command(runCommand)
    .command(submitCommand)
    .command(statusCommand)
    .command(resubmitCommand)
    .command(assembleCommand)
    .command(reportCommand)
    .command(serveCommand)
    .command(dlqCommand)
    .demandCommand(1, 'Name a command; see --help')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      process.stderr.write(`iiif-batch: ${message}\nRun "iiif-batch --help" for usage.\n`);
      process.exit(ExitCode.Invalid);
    })
    .parseAsync();
}

await main(hideBin(process.argv));
