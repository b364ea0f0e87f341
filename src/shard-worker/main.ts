import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { processEnv, readAwsClientConfig, readLogConfig, readTilerConfig, readWorkerConfig } from '../config.js';
import { InvalidInputError, RunRecordError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { createLogger, type Logger } from '../log.js';
import { RunStore } from '../run/run-store.js';
import { createStorage } from '../storage/create-storage.js';
import { claimWorkFolder } from '../util/work-folder.js';
import { configureSharp } from './configure-sharp.js';
import { runShard, type ShardOutcome, WORK_FOLDER_PREFIX } from './run-shard.js';

/**
 * Container entry point of a shard worker (one AWS Batch array child, or one local child process).
 * Environment: `IIIF_BATCH_RUN_ID`, `IIIF_BATCH_ATTEMPT`, `AWS_BATCH_JOB_ARRAY_INDEX`,
 * `IIIF_BATCH_STATE_BUCKET`/`IIIF_BATCH_STATE_PREFIX` (S3) or `IIIF_BATCH_LOCAL_ROOT` (filesystem),
 * `IIIF_BATCH_UPLOAD_CONCURRENCY`, `VIPS_CONCURRENCY`, `LOG_FORMAT`, `LOG_LEVEL`.
 *
 * Exit status: 0 once every image's outcome is recorded, failed images included (an undecodable or
 * truncated image is an outcome: the assembler reports it, `resubmit` retries it after a fix); 1 when
 * it could not do its job: an unexpected error, storage that kept failing, a full working disk (a
 * retry may succeed, and skips what is published); 2 invalid configuration, no such run, attempt
 * or shard, or another run holds (or took) the collection's lease.
 */
async function main(): Promise<ExitCode> {
  let logger: Logger = createLogger({ format: 'json', level: 'info' }, { job: 'shard-worker' });
  try {
    const env = processEnv();
    logger = createLogger(readLogConfig(env), { job: 'shard-worker' });
    const config = readWorkerConfig(env);
    const tiler = readTilerConfig(env);
    configureSharp(tiler.threads === undefined ? {} : { threads: tiler.threads });
    const storage = await createStorage({ localRoot: config.localRoot, aws: readAwsClientConfig(env) });
    const runStore = new RunStore(storage, config.state);
    const shard = await runStore.shardForChild(config.runId, config.attempt, config.childIndex);
    // This process's working folder; those of dead workers (killed, out of memory) are removed.
    const tempDir = await claimWorkFolder(tmpdir(), WORK_FOLDER_PREFIX);
    let outcome: ShardOutcome;
    try {
      outcome = await runShard(
        { storage, runStore, logger, uploadConcurrency: config.uploadConcurrency, tempDir },
        { runId: config.runId, shard, attempt: config.attempt },
      );
    } finally {
      await rm(tempDir, { recursive: true, force: true });
    }
    return outcome.retryable ? ExitCode.Failed : ExitCode.Ok;
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof RunRecordError) {
      logger.error(error.message, { error });
      return ExitCode.Invalid;
    }
    logger.error('shard worker failed', { error });
    return ExitCode.Failed;
  }
}

process.exitCode = await main();
