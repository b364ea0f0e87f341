import { errorMessage, InvalidInputError, RunRecordError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';

/** The exit status for an error that ended a command. */
export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof InvalidInputError || error instanceof RunRecordError ? ExitCode.Invalid : ExitCode.Failed;
}

/** Print an error for a person (stderr) or a script (`--json`, stdout), and set the exit status. */
export function reportCommandError(error: unknown, json: boolean): void {
  const exitCode = exitCodeFor(error);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ error: errorMessage(error), name: error instanceof Error ? error.name : 'Error', exitCode })}\n`,
    );
  } else {
    process.stderr.write(`iiif-batch: ${errorMessage(error)}\n`);
  }
  process.exitCode = exitCode;
}
