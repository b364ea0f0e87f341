import { processEnv, readAwsClientConfig, readEventBus, readJobConfig, readLogConfig } from '../config.js';
import { InvalidInputError, RunRecordError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { createLogger, type Logger } from '../log.js';
import { LogRunEvents, type RunEvents } from '../run/run-events.js';
import { RunStore } from '../run/run-store.js';
import { createStorage } from '../storage/create-storage.js';
import { assembleRun } from './assemble-run.js';

/**
 * Container entry point of the manifest assembler (the job that runs after every shard worker).
 * Environment: `IIIF_BATCH_RUN_ID`, `IIIF_BATCH_STATE_BUCKET`/`IIIF_BATCH_STATE_PREFIX` (S3) or
 * `IIIF_BATCH_LOCAL_ROOT` (filesystem), `IIIF_BATCH_EVENT_BUS` (where the "Run finished" event
 * goes; unset: the event is a log line), `LOG_FORMAT`, `LOG_LEVEL`.
 *
 * Exit status: 0 once the report is written, whatever it says (failed images and items left without
 * a new manifest are in it: `status`, the CLI and the report show them; rerunning the assembler would
 * not change them); 1 when it could not do its job (an unexpected error, storage kept failing: Batch
 * retries it); 2 invalid input (a bad CSV, configuration, or no such run) or another run holds the
 * collection's lease: then no manifest is written.
 */
async function main(): Promise<ExitCode> {
  let logger: Logger = createLogger({ format: 'json', level: 'info' }, { job: 'manifest-assembler' });
  try {
    const env = processEnv();
    logger = createLogger(readLogConfig(env), { job: 'manifest-assembler' });
    const config = readJobConfig(env);
    const storage = await createStorage({ localRoot: config.localRoot, aws: readAwsClientConfig(env) });
    const runStore = new RunStore(storage, config.state);
    // Local runs print their summary themselves; only the cloud announces a run on a bus.
    const events = await runEvents(config.localRoot === undefined ? readEventBus(env) : undefined, logger);
    await assembleRun({ storage, runStore, logger, events }, { runId: config.runId });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof RunRecordError) {
      logger.error(error.message, { error });
      return ExitCode.Invalid;
    }
    logger.error('manifest assembler failed', { error });
    return ExitCode.Failed;
  }
}

/** EventBridge when a bus is configured (the SDK is loaded only then), else log lines. */
async function runEvents(eventBus: string | undefined, logger: Logger): Promise<RunEvents> {
  if (eventBus === undefined) return new LogRunEvents(logger);
  const { createEventBridgeClient, EventBridgeRunEvents } = await import('../aws/eventbridge-run-events.js');
  return new EventBridgeRunEvents(createEventBridgeClient(), eventBus);
}

process.exitCode = await main();
