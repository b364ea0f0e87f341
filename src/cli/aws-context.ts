import { createBatchClient } from '../aws/batch-client.js';
import { BatchJobTracker } from '../aws/batch-job-tracker.js';
import { BatchStatusReader } from '../aws/batch-status.js';
import { SqsMessageQueue } from '../aws/dead-letter-queue.js';
import { createS3Client } from '../aws/s3-client.js';
import { createSqsClient } from '../aws/sqs-client.js';
import { S3TaskFileUploader } from '../aws/task-file-upload.js';
import type { BatchSubmitConfig, CliCloudConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { MessageQueue } from '../operations/dead-letters.js';
import type { AssemblerLauncher } from '../operations/reassemble-run.js';
import type { TaskFileUploader } from '../operations/submit-task-file.js';
import { S3Storage } from '../storage/s3-storage.js';
import type { Storage } from '../storage/storage.js';
import { BatchJobLauncher } from '../submitter/batch-launcher.js';
import type { JobLauncher } from '../submitter/job-launcher.js';

/**
 * The AWS side of the operator commands, built from the CLI's cloud configuration. Loaded only
 * when a command works against AWS (local commands never load the SDK). Clients are built lazily.
 */
export interface AwsContext {
  readonly storage: Storage;
  readonly uploader: TaskFileUploader;
  /** Watches the jobs of runs launched on Batch. */
  jobTracker(): BatchJobTracker;
  messageQueue(): MessageQueue;
  jobLauncher(config: BatchSubmitConfig, logger: Logger): JobLauncher;
  assemblerLauncher(config: BatchSubmitConfig, logger: Logger): AssemblerLauncher;
}

export function createAwsContext(config: CliCloudConfig): AwsContext {
  const overrides = {
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.endpointUrl === undefined ? {} : { endpoint: config.endpointUrl }),
  };
  const s3 = createS3Client(config.aws, overrides);
  let batch: ReturnType<typeof createBatchClient> | undefined;
  const batchClient = () => {
    batch ??= createBatchClient(overrides);
    return batch;
  };
  return {
    storage: new S3Storage(s3),
    uploader: new S3TaskFileUploader(s3),
    jobTracker: () => new BatchJobTracker(new BatchStatusReader(batchClient())),
    messageQueue: () =>
      new SqsMessageQueue(
        createSqsClient({
          ...overrides,
          ...(config.sqsEndpointUrl === undefined ? {} : { endpoint: config.sqsEndpointUrl }),
        }),
      ),
    jobLauncher: (batchConfig, logger) => new BatchJobLauncher(batchClient(), batchConfig, logger),
    assemblerLauncher: (batchConfig, logger) => {
      const launcher = new BatchJobLauncher(batchClient(), batchConfig, logger);
      return {
        kind: 'batch',
        waitsForJobs: false,
        launchAssembler: async (request) => {
          const { assemblerJobId } = await launcher.launchAssembler({ ...request, shards: [] });
          return { assemblerJobId, completed: false };
        },
      };
    },
  };
}
