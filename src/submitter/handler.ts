import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createBatchClient } from '../aws/batch-client.js';
import { createEventBridgeClient, EventBridgeRunEvents } from '../aws/eventbridge-run-events.js';
import { createS3Client } from '../aws/s3-client.js';
import { processEnv, readAwsClientConfig, readEventBus, readLogConfig, readSubmitterConfig } from '../config.js';
import { createLogger } from '../log.js';
import { RunStore } from '../run/run-store.js';
import { S3Storage } from '../storage/s3-storage.js';
import { BatchJobLauncher } from './batch-launcher.js';
import { processTaskRecords, type TaskRecordDependencies } from './process-task-records.js';

let dependencies: TaskRecordDependencies | undefined;

/** Built once per Lambda container (clients keep their connections between invocations). */
function buildDependencies(): TaskRecordDependencies {
  const env = processEnv();
  const config = readSubmitterConfig(env);
  const logger = createLogger(readLogConfig(env, false), { component: 'submitter' });
  const storage = new S3Storage(createS3Client(readAwsClientConfig(env)));
  const eventBus = readEventBus(env);
  return {
    storage,
    runStore: new RunStore(storage, config.state),
    launcher: new BatchJobLauncher(createBatchClient(), config.batch, logger),
    logger,
    leaseSeconds: config.leaseSeconds,
    sourceBuckets: config.sourceBuckets,
    destinationBuckets: config.destinationBuckets,
    ...(eventBus === undefined ? {} : { events: new EventBridgeRunEvents(createEventBridgeClient(), eventBus) }),
  };
}

/**
 * The submitter Lambda, fed by the SQS queue that receives the task bucket's S3 notifications
 * (event source mapping with `ReportBatchItemFailures`). A configuration error fails the whole
 * invocation, so every message is retried and, if it persists, ends in the dead-letter queue.
 * Planning a task must leave time to record and launch it before the invocation's timeout.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  dependencies ??= buildDependencies();
  // A task too large to plan in the time left is rejected with the reason, not timed out and redelivered.
  return processTaskRecords({ ...dependencies, deadline: Date.now() + context.getRemainingTimeInMillis() }, event);
};
