import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { secureBucketDefaults } from './publishing-buckets.js';

export interface TaskIntakeProps {
  /**
   * Visibility timeout of the task queue: how long a message stays hidden while the submitter
   * works on it. Must exceed the submitter's timeout (AWS recommends 6 × the Lambda timeout).
   */
  readonly visibilityTimeout: Duration;
  /** Only task files under this key prefix start a run. @default "tasks/" */
  readonly taskPrefix?: string;
  /** Only keys with this suffix start a run. @default ".json" */
  readonly taskSuffix?: string;
  /** Receives before a task message moves to the dead-letter queue (at least 3). @default 5 */
  readonly maxReceiveCount?: number;
  /** Bucket for the task bucket's server access logs. @default - no access logs */
  readonly accessLogs?: s3.IBucket;
  /** Days to keep earlier versions of overwritten or deleted objects in the task bucket. @default 30 */
  readonly noncurrentVersionDays?: number;
}

/**
 * How work enters the pipeline: a versioned task bucket (task files, and the run records beside
 * them), an S3 event notification filtered to task files only, a queue and its dead-letter queue.
 */
export class TaskIntake extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly taskPrefix: string;
  public readonly taskSuffix: string;

  public constructor(scope: Construct, id: string, props: TaskIntakeProps) {
    super(scope, id);
    this.taskPrefix = props.taskPrefix ?? 'tasks/';
    this.taskSuffix = props.taskSuffix ?? '.json';
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (maxReceiveCount < 3) {
      throw new Error(`Expected integer of at least 3 for maxReceiveCount but received ${maxReceiveCount}`);
    }

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...secureBucketDefaults(),
      // Versions identify a task file's upload, which is what a run is keyed on.
      versioned: true,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      ...(props.accessLogs === undefined
        ? {}
        : { serverAccessLogsBucket: props.accessLogs, serverAccessLogsPrefix: 'tasks-bucket/' }),
      // Run records and reports are the history of the collection: keep them.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the task queue.',
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      // SSE-SQS: S3 event notifications can deliver to it (the AWS-managed KMS key would refuse them).
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    // Only task files: the run records and reports written to the same bucket never trigger a run.
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), {
      prefix: this.taskPrefix,
      suffix: this.taskSuffix,
    });
  }
}
