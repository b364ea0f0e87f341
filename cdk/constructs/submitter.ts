import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SUBMITTER_V8_OPTIONS } from '../../src/submitter/submitter-v8-options.js';

/** The submitter's handler module, relative to the repository root (export `handler`). */
export const SUBMITTER_ENTRY = 'src/submitter/handler.ts';

export interface SubmitterProps {
  /** The repository root (holds package-lock.json and `SUBMITTER_ENTRY`). */
  readonly projectRoot: string;
  /** The task queue the function consumes. */
  readonly queue: sqs.IQueue;
  /** Environment of the function (the variables of `SUBMITTER_ENV`, set by the stack). */
  readonly environment: Readonly<Record<string, string>>;
  /** Function timeout; the queue's visibility timeout must exceed it. @default 15 minutes */
  readonly timeout?: Duration;
  /** Function memory in MiB. @default 2048 */
  readonly memorySize?: number;
  /** Most concurrent invocations the event source starts (2–1000). @default 5 */
  readonly maxConcurrency?: number;
  /** Task messages per invocation (1–10). @default 1 */
  readonly batchSize?: number;
  /** Retention of the function's log group. @default one month */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The submitter Lambda: bundled locally with esbuild (no Docker), fed by the task queue with
 * partial batch failures (one bad task does not redeliver the others) and bounded concurrency.
 */
export class Submitter extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly logGroup: logs.LogGroup;

  public constructor(scope: Construct, id: string, props: SubmitterProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of the AWSLambdaBasicExecutionRole managed policy: logs go to one group.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'iiif-batch submitter: read task files, list sources, write run records, submit jobs',
    });
    this.logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'iiif-batch submitter: task file -> plan -> Batch array job + assembler job',
      entry: join(props.projectRoot, SUBMITTER_ENTRY),
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.minutes(15),
      memorySize: props.memorySize ?? 2048,
      role,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        LOG_FORMAT: 'json',
        NODE_OPTIONS: ['--enable-source-maps', ...SUBMITTER_V8_OPTIONS].join(' '),
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        // Some CommonJS dependencies call require(); give the ES module bundle one.
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the SDK version the code was tested with (the runtime's copy may be older).
        bundleAwsSDK: true,
        forceDockerBundling: false,
      },
    });
    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: props.batchSize ?? 1,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency ?? 5,
      }),
    );

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22, the runtime the code is tested with (node@22 devDependency) and the one the ' +
        'container image runs; move both together.',
    });
  }
}
