import { Annotations, CfnOutput, Duration, Size, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CLI_ENV, EVENT_BUS_ENV, JOB_ENV, SUBMITTER_ENV, SUBMITTER_OPTIONAL_ENV } from '../src/config.js';
import { packageRoot } from '../src/local/package-root.js';
import { BatchCompute } from './constructs/batch-compute.js';
import { DestinationCdn } from './constructs/destination-cdn.js';
import { Network } from './constructs/network.js';
import { PublishingBuckets } from './constructs/publishing-buckets.js';
import { RunNotifications } from './constructs/run-notifications.js';
import { Submitter } from './constructs/submitter.js';
import { TaskIntake } from './constructs/task-intake.js';
import {
  acknowledgeWildcards,
  batchJobsFinding,
  S3_READ_ACTIONS,
  S3_WRITE_ACTIONS,
  s3ObjectsFinding,
} from './nag-findings.js';
import {
  DEFAULT_WORKER_JOB_DEFINITION_TIMEOUT_MINUTES,
  type IiifBatchSettings,
  type ResolvedSettings,
  resolveSettings,
} from './settings.js';

export interface IiifBatchStackProps extends StackProps {
  /**
   * What to deploy: buckets, CDN, sizing, compute type, network (see `IiifBatchSettings` for every
   * field and its default). Validated before anything is built.
   * @default - every default: no source buckets, a created destination behind CloudFront, Fargate Spot
   */
  readonly settings?: IiifBatchSettings;
  /** Where the settings came from, for error messages. @default "stack settings" */
  readonly settingsOrigin?: string;
  /**
   * The repository root: Docker build context of the jobs image and home of the submitter's source.
   * @default - the iiif-batch package root, found from this module's location
   */
  readonly projectRoot?: string;
}

/**
 * The whole pipeline on AWS: task bucket → S3 notification (task files only) → SQS (+ DLQ) →
 * submitter Lambda → AWS Batch array job of shard workers + dependent assembler job → destination
 * bucket, optionally served by CloudFront. One `cdk deploy` stands it up in an empty account.
 */
export class IiifBatchStack extends Stack {
  public readonly settings: ResolvedSettings;
  public readonly buckets: PublishingBuckets;
  public readonly intake: TaskIntake;
  public readonly network: Network;
  public readonly compute: BatchCompute;
  public readonly submitter: Submitter;
  public readonly cdn: DestinationCdn | undefined;
  /** The EventBridge bus of the "Run finished" and "Task rejected" events. */
  public readonly eventBus: events.IEventBus;
  public readonly notifications: RunNotifications | undefined;

  public constructor(scope: Construct, id: string, props: IiifBatchStackProps = {}) {
    super(scope, id, props);
    const settings = resolveSettings(props.settings ?? {}, props.settingsOrigin ?? 'stack settings');
    this.settings = settings;
    const projectRoot = props.projectRoot ?? packageRoot();
    const logRetention = settings.logRetentionDays as logs.RetentionDays;
    const statePrefix = settings.tasks.statePrefix;
    const eventBusName = settings.notifications.eventBusName;
    this.eventBus = events.EventBus.fromEventBusName(this, 'RunEventBus', eventBusName);

    this.buckets = new PublishingBuckets(this, 'Buckets', {
      sourceBucketNames: settings.sourceBuckets,
      destinationBucketName: settings.destination.bucketName,
    });
    if (settings.sourceBuckets.length === 0) {
      Annotations.of(this).addWarningV2(
        'iiif-batch:noSourceBuckets',
        'No source buckets configured (sourceBuckets): the jobs cannot read any masters until one is named.',
      );
    }

    const submitterTimeout = Duration.seconds(settings.submitter.timeoutSeconds);
    this.intake = new TaskIntake(this, 'TaskIntake', {
      taskPrefix: settings.tasks.prefix,
      taskSuffix: settings.tasks.suffix,
      maxReceiveCount: settings.tasks.maxReceiveCount,
      // AWS's guidance for SQS-fed functions: 6 × the function timeout.
      visibilityTimeout: Duration.seconds(settings.submitter.timeoutSeconds * 6),
      accessLogs: this.buckets.accessLogs,
    });

    const network = settings.network;
    this.network = new Network(
      this,
      'Network',
      network.kind === 'existing'
        ? { existing: network, logRetention }
        : { maxAzs: network.maxAzs, natGateways: network.natGateways, logRetention },
    );

    this.compute = new BatchCompute(this, 'Batch', {
      projectRoot,
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      securityGroup: this.network.securityGroup,
      assignPublicIp: this.network.assignPublicIp,
      computeType: settings.compute.type,
      maxvCpus: settings.compute.maxvCpus,
      architecture: settings.compute.architecture,
      instanceTypes: settings.compute.instanceTypes,
      ephemeralStorage: Size.gibibytes(settings.compute.ephemeralStorageGiB),
      worker: {
        vcpus: settings.worker.vcpus,
        memoryMiB: settings.worker.memoryMiB,
        timeout: Duration.minutes(settings.worker.timeoutMinutes ?? DEFAULT_WORKER_JOB_DEFINITION_TIMEOUT_MINUTES),
        environment: { [JOB_ENV.uploadConcurrency]: String(settings.worker.uploadConcurrency) },
      },
      assembler: {
        vcpus: settings.assembler.vcpus,
        memoryMiB: settings.assembler.memoryMiB,
        timeout: Duration.minutes(settings.assembler.timeoutMinutes),
        // The assembler announces each finished run on this bus.
        environment: { [EVENT_BUS_ENV]: eventBusName },
      },
      attempts: settings.jobAttempts,
      environment: BatchCompute.stateEnvironment(this.intake.bucket.bucketName, statePrefix),
      logRetention,
    });
    this.grantJobs();

    this.submitter = new Submitter(this, 'Submitter', {
      projectRoot,
      queue: this.intake.queue,
      timeout: submitterTimeout,
      memorySize: settings.submitter.memoryMiB,
      maxConcurrency: settings.submitter.maxConcurrency,
      batchSize: settings.submitter.batchSize,
      logRetention,
      environment: {
        [SUBMITTER_ENV.stateBucket]: this.intake.bucket.bucketName,
        ...(statePrefix === '' ? {} : { [SUBMITTER_ENV.statePrefix]: statePrefix }),
        ...(settings.sourceBuckets.length === 0
          ? {}
          : { [SUBMITTER_ENV.sourceBuckets]: settings.sourceBuckets.join(',') }),
        [SUBMITTER_ENV.destinationBuckets]: this.buckets.destination.bucketName,
        [SUBMITTER_ENV.jobQueue]: this.compute.jobQueue.jobQueueArn,
        [SUBMITTER_ENV.workerJobDefinition]: this.compute.workerJobDefinition.jobDefinitionArn,
        [SUBMITTER_ENV.assemblerJobDefinition]: this.compute.assemblerJobDefinition.jobDefinitionArn,
        // The submitter announces each rejected task file on this bus.
        [EVENT_BUS_ENV]: eventBusName,
        [SUBMITTER_OPTIONAL_ENV.jobAttempts]: String(settings.jobAttempts),
        [SUBMITTER_OPTIONAL_ENV.assemblerTimeoutSeconds]: String(settings.assembler.timeoutMinutes * 60),
        ...(settings.worker.timeoutMinutes === undefined
          ? {}
          : { [SUBMITTER_OPTIONAL_ENV.workerTimeoutSeconds]: String(settings.worker.timeoutMinutes * 60) }),
      },
    });
    this.grantSubmitter();

    if (settings.cdn.enabled) {
      this.cdn = new DestinationCdn(this, 'Cdn', {
        bucket: this.buckets.destination,
        allowedOrigins: settings.cdn.allowedOrigins,
        priceClass: settings.cdn.priceClass as cloudfront.PriceClass,
        domainNames: settings.cdn.domainNames,
        certificateArn: settings.cdn.certificateArn,
      });
      if (!this.buckets.destinationCreated) {
        Validations.of(this.cdn).acknowledge({
          id: 'Annotation::@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
          reason: 'Replaced by the warning below, which names the bucket and where the statement to add is.',
        });
        Annotations.of(this).addWarningV2(
          'iiif-batch:existingDestinationPolicy',
          `The existing destination bucket ${settings.destination.bucketName} must allow CloudFront to read it: ` +
            'add the bucket policy statement from docs/deploy.md with the DistributionArn output.',
        );
      }
    }

    if (settings.notifications.email.length > 0) {
      this.notifications = new RunNotifications(this, 'Notifications', {
        bus: this.eventBus,
        email: settings.notifications.email,
      });
    }

    this.addOutputs();
    this.suppressFindingsOfCdkInternals();
  }

  /** The jobs read masters, publish to the destination and keep run records in the task bucket. */
  private grantJobs(): void {
    const role = this.compute.jobRole;
    for (const source of this.buckets.sources) source.grantRead(role);
    this.buckets.destination.grantReadWrite(role);
    this.intake.bucket.grantReadWrite(role);
    // The assembler puts one "Run finished" event per run on the bus (the role is the jobs' role).
    this.eventBus.grantPutEventsTo(role);
    acknowledgeWildcards(
      role,
      [...S3_READ_ACTIONS, ...S3_WRITE_ACTIONS],
      'The action sets of Bucket.grantRead/grantReadWrite (object reads, listing, writes and deletes), ' +
        'limited by the resources to the named buckets.',
    );
    acknowledgeWildcards(
      role,
      [...this.buckets.sources, this.buckets.destination, this.intake.bucket].map(s3ObjectsFinding),
      'Every object of the named source buckets (read), of the destination and of the task bucket ' +
        '(read/write): a run touches keys chosen by its task file, under prefixes not known at deploy time.',
    );
  }

  /** Least privilege for the submitter: each grant names its bucket, queue or job definition. */
  private grantSubmitter(): void {
    const fn = this.submitter.function;
    // Task files in, run records out (records are created, rewritten and, on a failed launch, removed).
    this.intake.bucket.grantReadWrite(fn);
    // The submitter lists ACCESS_DIR in the sources; it never reads or writes the destination.
    for (const source of this.buckets.sources) source.grantRead(fn);
    // SubmitJob on exactly this queue and these two job definitions (the ARNs carry the revision).
    this.compute.workerJobDefinition.grantSubmitJob(fn, this.compute.jobQueue);
    this.compute.assemblerJobDefinition.grantSubmitJob(fn, this.compute.jobQueue);
    const jobs = this.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    // Jobs are tagged at submission (run id, collection), which Batch authorises as TagResource on
    // the new job; a job's ARN does not exist before it is submitted, hence job/* in this account.
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['batch:TagResource'], resourceArns: [jobs] });
    // A rejected task file is announced with one "Task rejected" event on the bus.
    this.eventBus.grantPutEventsTo(fn);
    // When the assembler cannot be submitted, the submitter cancels its own shard job, and only jobs
    // carrying the pipeline's run-id tag.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['batch:TerminateJob'],
      resourceArns: [jobs],
      conditions: { Null: { 'aws:ResourceTag/iiif-batch:run-id': 'false' } },
    });
    acknowledgeWildcards(
      this.submitter,
      [...S3_READ_ACTIONS, ...S3_WRITE_ACTIONS],
      'The action sets of Bucket.grantRead (sources: listing ACCESS_DIR) and grantReadWrite (task bucket: ' +
        'task files and run records), limited by the resources to those buckets.',
    );
    acknowledgeWildcards(
      this.submitter,
      [...this.buckets.sources, this.intake.bucket].map(s3ObjectsFinding),
      'Objects of the named source buckets (listing) and of the task bucket (task files, run records under ' +
        'run ids not known at deploy time).',
    );
    acknowledgeWildcards(
      this.submitter,
      [batchJobsFinding(this)],
      'A job ARN exists only after SubmitJob: tagging at submission (TagResource) and cancelling the own ' +
        'shard job (TerminateJob, only on jobs tagged iiif-batch:run-id) name job/* of this account and region.',
    );
  }

  private addOutputs(): void {
    const output = (id: string, value: string, description: string): CfnOutput =>
      new CfnOutput(this, id, { value, description });
    output(
      'TaskBucketName',
      this.intake.bucket.bucketName,
      'Upload task files here (under TaskPrefix); run records too',
    );
    output('TaskPrefix', this.intake.taskPrefix, `Key prefix of task files (suffix ${this.intake.taskSuffix})`);
    output(
      'UploadTaskCommand',
      `aws s3 cp task.json s3://${this.intake.bucket.bucketName}/${this.intake.taskPrefix}`,
      'Starts a run',
    );
    output('TaskQueueUrl', this.intake.queue.queueUrl, 'Queue of task file notifications');
    output('DeadLetterQueueUrl', this.intake.deadLetterQueue.queueUrl, 'Task messages that failed every attempt');
    output('JobQueueArn', this.compute.jobQueue.jobQueueArn, 'AWS Batch job queue');
    output('WorkerJobDefinitionArn', this.compute.workerJobDefinition.jobDefinitionArn, 'Shard worker job');
    output('AssemblerJobDefinitionArn', this.compute.assemblerJobDefinition.jobDefinitionArn, 'Manifest assembler job');
    // The operator CLI (`iiif-batch status|resubmit|submit|dlq`) reads these variables.
    const statePrefix = this.settings.tasks.statePrefix;
    output(
      'CliEnvironment',
      [
        `export ${CLI_ENV.taskBucket}=${this.intake.bucket.bucketName}`,
        `${CLI_ENV.taskPrefix}=${this.intake.taskPrefix}`,
        `${SUBMITTER_ENV.stateBucket}=${this.intake.bucket.bucketName}`,
        ...(statePrefix === '' ? [] : [`${SUBMITTER_ENV.statePrefix}=${statePrefix}`]),
        `${CLI_ENV.queueUrl}=${this.intake.queue.queueUrl}`,
        `${CLI_ENV.dlqUrl}=${this.intake.deadLetterQueue.queueUrl}`,
        `${SUBMITTER_ENV.jobQueue}=${this.compute.jobQueue.jobQueueArn}`,
        `AWS_REGION=${this.region}`,
      ].join(' '),
      'Paste into a shell for the iiif-batch CLI (status, resubmit, submit, dlq)',
    );
    output(
      'EventBusName',
      this.eventBus.eventBusName,
      'EventBridge bus of the "Run finished" and "Task rejected" events',
    );
    if (this.notifications !== undefined) {
      output('NotificationTopicArn', this.notifications.topic.topicArn, 'SNS topic e-mailed on every run event');
    }
    output('SubmitterFunctionName', this.submitter.function.functionName, 'Submitter Lambda (logs: its log group)');
    output('JobLogGroupName', this.compute.logGroup.logGroupName, 'Logs of the shard workers and the assembler');
    output('DestinationBucketName', this.buckets.destination.bucketName, 'Where tiles and manifests are published');
    const destinationUrl =
      this.cdn?.url ??
      this.settings.destination.publicUrl ??
      `https://${this.buckets.destination.bucketRegionalDomainName}`;
    output(
      'DestinationUrl',
      destinationUrl,
      this.cdn !== undefined || this.settings.destination.publicUrl !== undefined
        ? 'Use as DEST_URL in task files'
        : 'S3 URL of the destination; not public (block public access is on): serve it through a CDN',
    );
    if (this.cdn !== undefined) {
      output('DistributionId', this.cdn.distribution.distributionId, 'CloudFront distribution (for invalidations)');
      output(
        'DistributionArn',
        this.formatArn({
          service: 'cloudfront',
          region: '',
          resource: 'distribution',
          resourceName: this.cdn.distribution.distributionId,
        }),
        'For the bucket policy of an existing destination bucket',
      );
    }
  }

  /** Resources CDK adds on its own, with findings that cannot be fixed from here. */
  private suppressFindingsOfCdkInternals(): void {
    // S3 → SQS notifications are configured by a CDK-provided function (one per stack).
    const notificationsHandler = this.node
      .findAll()
      .find((construct) => construct.node.id.startsWith('BucketNotificationsHandler'));
    if (notificationsHandler !== undefined) {
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'CDK-provided function that sets the task bucket notification during deployment; CDK gives it ' +
          'AWSLambdaBasicExecutionRole for its logs.',
      });
    }
  }
}
