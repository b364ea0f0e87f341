import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_POINTS, JOB_ENV, SUBMITTER_ENV, SUBMITTER_OPTIONAL_ENV } from '../../src/config.js';
import { ExitCode } from '../../src/exit-codes.js';
import { RETRY_CONDITIONS } from '../../src/submitter/batch-launcher.js';
import {
  actionsOf,
  allowStatements,
  resourceNamed,
  resourcesOf,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './synthesize.js';

// One synthesis of the default deployment (Fargate Spot, created VPC, created destination behind
// CloudFront) with two source buckets, shared by every test in this file.
let synthesized: Synthesized;
beforeAll(() => {
  synthesized = synthesize({ sourceBuckets: ['img-src', 'img-archive'] });
});
afterAll(() => synthesized.cleanUp());

const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const objectsOf = (id: string) => ({ 'Fn::Join': ['', [arnOf(id), '/*']] });

describe('Stack: IiifBatch (defaults)', () => {
  describe('task intake', () => {
    it('notifies the queue only for task files under tasks/ ending in .json', () => {
      // Prepare
      const { template } = synthesized;
      const queue = resourceNamed(template, 'AWS::SQS::Queue', 'TaskIntakeQueue');
      const bucket = resourceNamed(template, 'AWS::S3::Bucket', 'TaskIntakeBucket');

      // Act
      const notifications = template.findResources('Custom::S3BucketNotifications');

      // Assess
      expect(Object.keys(notifications)).toHaveLength(1);
      const [notification] = Object.values(notifications) as { Properties: Record<string, unknown> }[];
      expect(notification?.Properties).toEqual(
        expect.objectContaining({
          BucketName: ref(bucket.id),
          NotificationConfiguration: {
            QueueConfigurations: [
              {
                Events: ['s3:ObjectCreated:*'],
                Filter: {
                  Key: {
                    FilterRules: expect.arrayContaining([
                      { Name: 'prefix', Value: 'tasks/' },
                      { Name: 'suffix', Value: '.json' },
                    ]),
                  },
                },
                QueueArn: arnOf(queue.id),
              },
            ],
          },
        }),
      );
    });

    it('keeps versions of task files and blocks public access on the task bucket', () => {
      // Act
      const bucket = resourceNamed(synthesized.template, 'AWS::S3::Bucket', 'TaskIntakeBucket');

      // Assess
      expect(bucket.properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.properties.LoggingConfiguration).toEqual(
        expect.objectContaining({ LogFilePrefix: 'tasks-bucket/' }),
      );
    });

    it('sends a message to the dead-letter queue after 5 receives', () => {
      // Prepare
      const dlq = resourceNamed(synthesized.template, 'AWS::SQS::Queue', 'TaskIntakeDeadLetterQueue');

      // Act
      const queue = resourceNamed(synthesized.template, 'AWS::SQS::Queue', 'TaskIntakeQueue');

      // Assess
      expect(queue.properties.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(dlq.id), maxReceiveCount: 5 });
      expect(queue.properties.SqsManagedSseEnabled).toBe(true);
      expect(dlq.properties.SqsManagedSseEnabled).toBe(true);
      expect(dlq.properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    });

    it('hides a message longer than the submitter may run', () => {
      // Prepare
      const fn = resourceNamed(synthesized.template, 'AWS::Lambda::Function', 'SubmitterFunction');

      // Act
      const queue = resourceNamed(synthesized.template, 'AWS::SQS::Queue', 'TaskIntakeQueue');

      // Assess
      expect(fn.properties.Timeout).toBe(900);
      expect(queue.properties.VisibilityTimeout).toBe(5400);
      expect(queue.properties.VisibilityTimeout as number).toBeGreaterThan(fn.properties.Timeout as number);
    });

    it('refuses plain HTTP on both queues', () => {
      // Act
      const policies = synthesized.template.findResources('AWS::SQS::QueuePolicy');

      // Assess
      expect(Object.keys(policies)).toHaveLength(2);
      for (const policy of Object.values(policies) as { Properties: { PolicyDocument: { Statement: unknown[] } } }[]) {
        expect(policy.Properties.PolicyDocument.Statement).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        );
      }
    });
  });

  describe('submitter', () => {
    it('runs the bundled handler on Node.js 22 with its own log group and retention', () => {
      // Prepare
      const logGroup = resourceNamed(synthesized.template, 'AWS::Logs::LogGroup', 'SubmitterLogs');

      // Act
      const fn = resourceNamed(synthesized.template, 'AWS::Lambda::Function', 'SubmitterFunction');

      // Assess
      expect(fn.properties.Runtime).toBe('nodejs22.x');
      expect(fn.properties.Handler).toBe('index.handler');
      expect(fn.properties.LoggingConfig).toEqual({ LogGroup: ref(logGroup.id) });
      expect(logGroup.properties.RetentionInDays).toBe(30);
    });

    it('is bundled locally by esbuild into an ES module that exports handler', () => {
      // Prepare
      const fn = resourceNamed(synthesized.template, 'AWS::Lambda::Function', 'SubmitterFunction');
      const key = (fn.properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');

      // Act
      const bundle = readFileSync(join(synthesized.assembly.directory, `asset.${key}`, 'index.mjs'), 'utf8');
      const sourceMap = JSON.parse(
        readFileSync(join(synthesized.assembly.directory, `asset.${key}`, 'index.mjs.map'), 'utf8'),
      ) as { sources: string[] };

      // Assess (booleans: a failing match would print the whole bundle)
      expect(/export\s*\{[^}]*\bas handler\b[^}]*\}/.test(bundle)).toBe(true);
      expect(sourceMap.sources.some((source) => source.endsWith('src/submitter/handler.ts'))).toBe(true);
      // The SDK is bundled (the version the code was tested with), not imported from the runtime.
      expect(/(from|import\()\s*["']@aws-sdk\//.test(bundle)).toBe(false);
      expect(sourceMap.sources.some((source) => source.includes('node_modules/@aws-sdk/client-batch/'))).toBe(true);
    });

    it('gets every variable of SUBMITTER_ENV from the stack', () => {
      // Prepare
      const { template } = synthesized;
      const taskBucket = resourceNamed(template, 'AWS::S3::Bucket', 'TaskIntakeBucket');
      const destination = resourceNamed(template, 'AWS::S3::Bucket', 'BucketsDestination');
      const jobQueue = resourceNamed(template, 'AWS::Batch::JobQueue', 'BatchJobQueue');
      const worker = resourceNamed(template, 'AWS::Batch::JobDefinition', 'BatchShardWorkerJob');
      const assembler = resourceNamed(template, 'AWS::Batch::JobDefinition', 'BatchAssemblerJob');

      // Act
      const fn = resourceNamed(template, 'AWS::Lambda::Function', 'SubmitterFunction');
      const variables = (fn.properties.Environment as { Variables: Record<string, unknown> }).Variables;

      // Assess
      expect(variables[SUBMITTER_ENV.stateBucket]).toEqual(ref(taskBucket.id));
      // Each role its own list: a source named as destination (or the reverse) is refused.
      expect(variables[SUBMITTER_ENV.sourceBuckets]).toBe('img-src,img-archive');
      expect(variables[SUBMITTER_ENV.destinationBuckets]).toEqual(ref(destination.id));
      expect(variables[SUBMITTER_ENV.jobQueue]).toEqual({ 'Fn::GetAtt': [jobQueue.id, 'JobQueueArn'] });
      expect(variables[SUBMITTER_ENV.workerJobDefinition]).toEqual(ref(worker.id));
      expect(variables[SUBMITTER_ENV.assemblerJobDefinition]).toEqual(ref(assembler.id));
      // An empty state prefix is left unset (records under runs/ and published/).
      expect(variables[SUBMITTER_ENV.statePrefix]).toBeUndefined();
      expect(variables[SUBMITTER_OPTIONAL_ENV.jobAttempts]).toBe('3');
      expect(variables[SUBMITTER_OPTIONAL_ENV.assemblerTimeoutSeconds]).toBe('3600');
      // Unset: the submitter derives the worker timeout from the task's SHARD_TARGET_MINUTES.
      expect(variables[SUBMITTER_OPTIONAL_ENV.workerTimeoutSeconds]).toBeUndefined();
      expect(variables.LOG_FORMAT).toBe('json');
      // Source maps for stack traces; a capped young generation keeps a million-key plan's memory low.
      expect(variables.NODE_OPTIONS).toBe('--enable-source-maps --max-semi-space-size=8');
    });

    it('consumes the task queue with partial batch failures and bounded concurrency', () => {
      // Prepare
      const queue = resourceNamed(synthesized.template, 'AWS::SQS::Queue', 'TaskIntakeQueue');
      const fn = resourceNamed(synthesized.template, 'AWS::Lambda::Function', 'SubmitterFunction');

      // Act
      const mapping = resourceNamed(synthesized.template, 'AWS::Lambda::EventSourceMapping', 'SubmitterFunction');

      // Assess
      expect(mapping.properties).toEqual(
        expect.objectContaining({
          EventSourceArn: arnOf(queue.id),
          FunctionName: ref(fn.id),
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 5 },
          BatchSize: 1,
        }),
      );
    });
  });

  describe('AWS Batch', () => {
    it('runs on Fargate Spot in the stack VPC', () => {
      // Prepare
      const securityGroup = resourceNamed(synthesized.template, 'AWS::EC2::SecurityGroup', 'NetworkJobsSecurityGroup');

      // Act
      const environment = resourceNamed(synthesized.template, 'AWS::Batch::ComputeEnvironment', 'Batch');

      // Assess
      expect(environment.properties.Type).toBe('managed');
      expect(environment.properties.ComputeResources).toEqual({
        Type: 'FARGATE_SPOT',
        MaxvCpus: 256,
        Subnets: [
          { Ref: expect.stringMatching(/^NetworkVpcjobsSubnet1/) },
          { Ref: expect.stringMatching(/^NetworkVpcjobsSubnet2/) },
        ],
        SecurityGroupIds: [{ 'Fn::GetAtt': [securityGroup.id, 'GroupId'] }],
      });
    });

    it('queues jobs on that compute environment and cancels jobs that can never be placed', () => {
      // Prepare
      const environment = resourceNamed(synthesized.template, 'AWS::Batch::ComputeEnvironment', 'Batch');

      // Act
      const queue = resourceNamed(synthesized.template, 'AWS::Batch::JobQueue', 'BatchJobQueue');

      // Assess
      expect(queue.properties.ComputeEnvironmentOrder).toEqual([
        { ComputeEnvironment: { 'Fn::GetAtt': [environment.id, 'ComputeEnvironmentArn'] }, Order: 1 },
      ]);
      expect(queue.properties.JobStateTimeLimitActions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', Action: 'CANCEL' }),
        ]),
      );
    });

    it('runs the worker and the assembler entry points of ENTRY_POINTS', () => {
      // Act
      const worker = resourceNamed(synthesized.template, 'AWS::Batch::JobDefinition', 'BatchShardWorkerJob');
      const assembler = resourceNamed(synthesized.template, 'AWS::Batch::JobDefinition', 'BatchAssemblerJob');

      // Assess
      expect((worker.properties.ContainerProperties as { Command: string[] }).Command).toEqual([
        'node',
        ENTRY_POINTS.shardWorker,
      ]);
      expect((assembler.properties.ContainerProperties as { Command: string[] }).Command).toEqual([
        'node',
        ENTRY_POINTS.assembler,
      ]);
    });

    it('builds both job definitions from one container image asset', () => {
      // Prepare
      const { template, assembly } = synthesized;
      const definitions = Object.values(template.findResources('AWS::Batch::JobDefinition')) as {
        Properties: { ContainerProperties: { Image: unknown } };
      }[];

      // Act
      const manifest = JSON.parse(readFileSync(join(assembly.directory, 'IiifBatch.assets.json'), 'utf8')) as {
        dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
      };

      // Assess
      expect(definitions).toHaveLength(2);
      expect(definitions[0]?.Properties.ContainerProperties.Image).toEqual(
        definitions[1]?.Properties.ContainerProperties.Image,
      );
      const images = Object.values(manifest.dockerImages);
      expect(images).toHaveLength(1);
      expect(images[0]?.source).toEqual(expect.objectContaining({ dockerFile: 'Dockerfile', platform: 'linux/amd64' }));
      expect(existsSync(join(assembly.directory, images[0]?.source.directory ?? '', 'Dockerfile'))).toBe(true);
    });

    it('sizes each job from the settings, with timeouts and disk for the tiles', () => {
      // Act
      const worker = resourceNamed(synthesized.template, 'AWS::Batch::JobDefinition', 'BatchShardWorkerJob');
      const assembler = resourceNamed(synthesized.template, 'AWS::Batch::JobDefinition', 'BatchAssemblerJob');

      // Assess
      expect(worker.properties).toEqual(
        expect.objectContaining({
          PlatformCapabilities: ['FARGATE'],
          Timeout: { AttemptDurationSeconds: 4 * 3600 },
          ContainerProperties: expect.objectContaining({
            ResourceRequirements: expect.arrayContaining([
              { Type: 'VCPU', Value: '2' },
              { Type: 'MEMORY', Value: '4096' },
            ]),
            EphemeralStorage: { SizeInGiB: 50 },
            RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
            // Public subnets without NAT: the task needs a public IP to reach S3, ECR and logs.
            NetworkConfiguration: { AssignPublicIp: 'ENABLED' },
          }),
        }),
      );
      expect(assembler.properties).toEqual(
        expect.objectContaining({
          Timeout: { AttemptDurationSeconds: 3600 },
          ContainerProperties: expect.objectContaining({
            ResourceRequirements: expect.arrayContaining([
              { Type: 'VCPU', Value: '1' },
              { Type: 'MEMORY', Value: '2048' },
            ]),
          }),
        }),
      );
      expect(assembler.properties.ContainerProperties).not.toHaveProperty('EphemeralStorage');
    });

    it('retries Spot reclaims and host terminations but not exit codes 2 and 3', () => {
      // Act
      const definitions = Object.values(synthesized.template.findResources('AWS::Batch::JobDefinition')) as {
        Properties: { RetryStrategy: { Attempts: number; EvaluateOnExit: Record<string, string>[] } };
      }[];

      // Assess
      for (const definition of definitions) {
        const strategy = definition.Properties.RetryStrategy;
        expect(strategy.Attempts).toBe(3);
        // The same conditions the submitter sends with every SubmitJob, in the same order.
        expect(strategy.EvaluateOnExit).toHaveLength(RETRY_CONDITIONS.length);
        strategy.EvaluateOnExit.forEach((entry, index) => {
          const condition = RETRY_CONDITIONS[index];
          expect(entry.Action).toBe(condition?.action);
          expect(entry.OnExitCode).toBe(condition?.onExitCode);
          expect(entry.OnReason).toBe(condition?.onReason);
          expect(entry.OnStatusReason).toBe(condition?.onStatusReason);
        });
        expect(strategy.EvaluateOnExit).toEqual(
          expect.arrayContaining([
            { Action: 'EXIT', OnExitCode: String(ExitCode.Invalid) },
            { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
            { Action: 'RETRY', OnStatusReason: expect.stringMatching(/^Your Spot Task was interrupted/) },
          ]),
        );
      }
    });

    it('gives the jobs JSON logs, the state bucket and their own log group', () => {
      // Prepare
      const taskBucket = resourceNamed(synthesized.template, 'AWS::S3::Bucket', 'TaskIntakeBucket');
      const logGroup = resourceNamed(synthesized.template, 'AWS::Logs::LogGroup', 'BatchJobLogs');

      // Act
      const worker = resourceNamed(synthesized.template, 'AWS::Batch::JobDefinition', 'BatchShardWorkerJob');
      const container = worker.properties.ContainerProperties as Record<string, unknown>;

      // Assess
      expect(container.Environment).toEqual(
        expect.arrayContaining([
          { Name: 'LOG_FORMAT', Value: 'json' },
          { Name: JOB_ENV.stateBucket, Value: ref(taskBucket.id) },
          { Name: JOB_ENV.uploadConcurrency, Value: '16' },
        ]),
      );
      expect(container.LogConfiguration).toEqual(
        expect.objectContaining({
          LogDriver: 'awslogs',
          Options: expect.objectContaining({ 'awslogs-group': ref(logGroup.id) }),
        }),
      );
      expect(logGroup.properties.RetentionInDays).toBe(30);
    });
  });

  describe('least privilege', () => {
    it('lets the jobs read the sources and read/write the destination and the task bucket', () => {
      // Prepare
      const { template } = synthesized;
      const taskBucket = resourceNamed(template, 'AWS::S3::Bucket', 'TaskIntakeBucket');
      const destination = resourceNamed(template, 'AWS::S3::Bucket', 'BucketsDestination');

      // Act
      const statements = statementsOfRole(template, 'BatchJobRole');

      // Assess
      const writes = statements.filter((statement) => actionsOf(statement).includes('s3:PutObject'));
      expect(writes.flatMap(resourcesOf)).toEqual(
        expect.arrayContaining([
          arnOf(destination.id),
          objectsOf(destination.id),
          arnOf(taskBucket.id),
          objectsOf(taskBucket.id),
        ]),
      );
      const sourceArns = ['img-src', 'img-archive'].flatMap((name) => [
        { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), `:s3:::${name}`]] },
        { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), `:s3:::${name}/*`]] },
      ]);
      const reads = statements.filter(
        (statement) => actionsOf(statement).includes('s3:GetObject*') && !actionsOf(statement).includes('s3:PutObject'),
      );
      expect(reads.flatMap(resourcesOf)).toEqual(expect.arrayContaining(sourceArns));
      // Sources are never written.
      expect(JSON.stringify(writes)).not.toContain('img-src');
      expect(JSON.stringify(writes)).not.toContain('img-archive');
    });

    it('scopes SubmitJob to the job queue and the two job definitions', () => {
      // Prepare
      const { template } = synthesized;
      const jobQueue = resourceNamed(template, 'AWS::Batch::JobQueue', 'BatchJobQueue');
      const worker = resourceNamed(template, 'AWS::Batch::JobDefinition', 'BatchShardWorkerJob');
      const assembler = resourceNamed(template, 'AWS::Batch::JobDefinition', 'BatchAssemblerJob');

      // Act
      const submits = allowStatements(template).filter(({ statement }) =>
        actionsOf(statement).includes('batch:SubmitJob'),
      );

      // Assess
      expect(submits.map(({ policy }) => policy)).toEqual([expect.stringMatching(/^SubmitterRole/)]);
      expect(submits.flatMap(({ statement }) => resourcesOf(statement))).toEqual(
        expect.arrayContaining([{ 'Fn::GetAtt': [jobQueue.id, 'JobQueueArn'] }, ref(worker.id), ref(assembler.id)]),
      );
      expect(submits.flatMap(({ statement }) => resourcesOf(statement))).toHaveLength(3);
    });

    it('lets the submitter tag its jobs and cancel only jobs tagged with a run id', () => {
      // Act
      const statements = statementsOfRole(synthesized.template, 'SubmitterRole');

      // Assess
      const terminate = statements.find((statement) => actionsOf(statement).includes('batch:TerminateJob'));
      expect(terminate?.Condition).toEqual({ Null: { 'aws:ResourceTag/iiif-batch:run-id': 'false' } });
      const tag = statements.find((statement) => actionsOf(statement).includes('batch:TagResource'));
      expect(JSON.stringify(tag?.Resource)).toContain(':job/*');
      expect(JSON.stringify(terminate?.Resource)).toContain(':job/*');
    });

    it('lets exactly the submitter and the jobs put events, on the default bus only, and tells both the bus', () => {
      // Prepare
      const defaultBus = {
        'Fn::Join': [
          '',
          [
            'arn:',
            ref('AWS::Partition'),
            ':events:',
            ref('AWS::Region'),
            ':',
            ref('AWS::AccountId'),
            ':event-bus/default',
          ],
        ],
      };

      // Act
      const puts = allowStatements(synthesized.template).filter(({ statement }) =>
        actionsOf(statement).some((action) => action.startsWith('events:')),
      );

      // Assess
      expect(puts.map(({ policy }) => policy.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
        'BatchJobRoleDefaultPolicy',
        'SubmitterRoleDefaultPolicy',
      ]);
      for (const { statement } of puts) {
        expect(actionsOf(statement)).toEqual(['events:PutEvents']);
        expect(resourcesOf(statement)).toEqual([defaultBus]);
      }
      const fn = resourceNamed(synthesized.template, 'AWS::Lambda::Function', 'SubmitterFunction');
      expect((fn.properties.Environment as { Variables: Record<string, unknown> }).Variables.IIIF_BATCH_EVENT_BUS).toBe(
        'default',
      );
      const assembler = resourceNamed(synthesized.template, 'AWS::Batch::JobDefinition', 'BatchAssemblerJob');
      expect(JSON.stringify(assembler.properties)).toContain('{"Name":"IIIF_BATCH_EVENT_BUS","Value":"default"}');
      // E-mail is off by default: no rule, no topic.
      expect(Object.keys(synthesized.template.findResources('AWS::Events::Rule'))).toEqual([]);
      expect(Object.keys(synthesized.template.findResources('AWS::SNS::Topic'))).toEqual([]);
    });

    it('gives the submitter no access to the destination', () => {
      // Prepare
      const destination = resourceNamed(synthesized.template, 'AWS::S3::Bucket', 'BucketsDestination');

      // Act
      const statements = statementsOfRole(synthesized.template, 'SubmitterRole');

      // Assess
      expect(statements.length).toBeGreaterThan(0);
      expect(JSON.stringify(statements)).not.toContain(destination.id);
    });

    it('grants no s3:*, batch:* or *, and no S3 or SubmitJob action on every resource', () => {
      // Act
      const statements = allowStatements(synthesized.template).map(({ statement }) => statement);

      // Assess
      for (const statement of statements) {
        const actions = actionsOf(statement);
        expect(actions).not.toContain('s3:*');
        expect(actions).not.toContain('batch:*');
        expect(actions).not.toContain('*');
        if (actions.some((action) => action.startsWith('s3:') || action === 'batch:SubmitJob')) {
          expect(resourcesOf(statement)).not.toContain('*');
        }
      }
    });

    it('uses no AWS-managed policy on the roles it defines', () => {
      // Act
      const roles = synthesized.template.findResources('AWS::IAM::Role');

      // Assess
      for (const [id, role] of Object.entries(roles) as [string, { Properties: Record<string, unknown> }][]) {
        if (id.startsWith('BucketNotificationsHandler') || id.startsWith('CustomVpcRestrictDefaultSG')) continue;
        expect({ id, managed: role.Properties.ManagedPolicyArns }).toEqual({ id, managed: undefined });
      }
    });
  });

  describe('network', () => {
    it('creates a VPC whose zones come from the region, never a hard-coded name', () => {
      // Prepare
      const { template } = synthesized;

      // Act
      const subnets = Object.values(template.findResources('AWS::EC2::Subnet')) as {
        Properties: { AvailabilityZone: unknown };
      }[];

      // Assess
      template.resourceCountIs('AWS::EC2::VPC', 1);
      expect(subnets).toHaveLength(2);
      for (const subnet of subnets) {
        expect(subnet.Properties.AvailabilityZone).toEqual({
          'Fn::Select': [expect.any(Number), { 'Fn::GetAZs': '' }],
        });
      }
      expect(JSON.stringify(template.toJSON())).not.toMatch(/"[a-z]{2}-[a-z]+-\d[a-z]"/);
    });

    it('needs no NAT gateway and keeps S3 traffic on a gateway endpoint', () => {
      // Act
      const { template } = synthesized;

      // Assess
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['.s3'])] }),
        VpcEndpointType: 'Gateway',
      });
      template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
    });

    it('lets the jobs out on HTTPS only and nothing in', () => {
      // Act
      const group = resourceNamed(synthesized.template, 'AWS::EC2::SecurityGroup', 'NetworkJobsSecurityGroup');

      // Assess
      expect(group.properties.SecurityGroupIngress).toBeUndefined();
      expect(group.properties.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      ]);
    });
  });

  describe('buckets', () => {
    it('blocks public access, encrypts and enforces TLS on every bucket it creates', () => {
      // Prepare
      const { template } = synthesized;
      const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')) as {
        Properties: { Bucket: unknown; PolicyDocument: { Statement: unknown[] } };
      }[];

      // Act
      const buckets = Object.entries(template.findResources('AWS::S3::Bucket')) as [
        string,
        { Properties: Record<string, unknown> },
      ][];

      // Assess
      expect(buckets.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
        'BucketsAccessLogs',
        'BucketsDestination',
        'TaskIntakeBucket',
      ]);
      for (const [id, bucket] of buckets) {
        expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(bucket.Properties.BucketEncryption).toEqual({
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        });
        const policy = policies.find(
          (candidate) => JSON.stringify(candidate.Properties.Bucket) === JSON.stringify(ref(id)),
        );
        expect(policy?.Properties.PolicyDocument.Statement).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        );
      }
    });

    it('keeps the destination and the task bucket when the stack is deleted', () => {
      // Act
      const resources = synthesized.template.toJSON().Resources as Record<string, { DeletionPolicy?: string }>;

      // Assess
      const retained = Object.entries(resources)
        .filter(([id]) => id.startsWith('BucketsDestination') || id.startsWith('TaskIntakeBucket'))
        .filter(([, resource]) => resource.DeletionPolicy !== undefined);
      expect(retained.map(([, resource]) => resource.DeletionPolicy)).toEqual(['Retain', 'Retain']);
    });
  });

  describe('CloudFront', () => {
    it('serves the destination through origin access control over HTTPS', () => {
      // Prepare
      const { template } = synthesized;
      const destination = resourceNamed(template, 'AWS::S3::Bucket', 'BucketsDestination');
      const oac = resourceNamed(template, 'AWS::CloudFront::OriginAccessControl', 'Cdn');

      // Act
      const distribution = resourceNamed(template, 'AWS::CloudFront::Distribution', 'CdnDistribution');

      // Assess
      expect(distribution.properties.DistributionConfig).toEqual(
        expect.objectContaining({
          Origins: [
            expect.objectContaining({
              DomainName: { 'Fn::GetAtt': [destination.id, 'RegionalDomainName'] },
              OriginAccessControlId: { 'Fn::GetAtt': [oac.id, 'Id'] },
            }),
          ],
          DefaultCacheBehavior: expect.objectContaining({
            ViewerProtocolPolicy: 'redirect-to-https',
            AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
          }),
        }),
      );
      expect(oac.properties.OriginAccessControlConfig).toEqual(
        expect.objectContaining({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
      );
      const bucketPolicy = resourceNamed(template, 'AWS::S3::BucketPolicy', 'BucketsDestinationPolicy');
      expect(bucketPolicy.properties.PolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Allow',
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Resource: objectsOf(destination.id),
          }),
        ]),
      });
    });

    it('adds CORS headers for IIIF viewers on every response', () => {
      // Prepare
      const distribution = resourceNamed(synthesized.template, 'AWS::CloudFront::Distribution', 'CdnDistribution');

      // Act
      const policy = resourceNamed(synthesized.template, 'AWS::CloudFront::ResponseHeadersPolicy', 'CdnIiifCors');

      // Assess
      const behavior = (distribution.properties.DistributionConfig as { DefaultCacheBehavior: Record<string, unknown> })
        .DefaultCacheBehavior;
      expect(behavior.ResponseHeadersPolicyId).toEqual(ref(policy.id));
      expect(policy.properties.ResponseHeadersPolicyConfig).toEqual(
        expect.objectContaining({
          CorsConfig: expect.objectContaining({
            AccessControlAllowOrigins: { Items: ['*'] },
            AccessControlAllowMethods: { Items: ['GET', 'HEAD', 'OPTIONS'] },
            AccessControlAllowCredentials: false,
            OriginOverride: true,
          }),
        }),
      );
    });
  });

  describe('outputs', () => {
    it('names the task bucket, the queues, the job queue and the destination URL', () => {
      // Prepare
      const { template } = synthesized;
      const distribution = resourceNamed(template, 'AWS::CloudFront::Distribution', 'CdnDistribution');
      const jobQueue = resourceNamed(template, 'AWS::Batch::JobQueue', 'BatchJobQueue');

      // Act
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

      // Assess
      expect(outputs.TaskBucketName?.Value).toEqual(
        ref(resourceNamed(template, 'AWS::S3::Bucket', 'TaskIntakeBucket').id),
      );
      expect(outputs.TaskQueueUrl?.Value).toEqual(
        ref(resourceNamed(template, 'AWS::SQS::Queue', 'TaskIntakeQueue').id),
      );
      expect(outputs.DeadLetterQueueUrl?.Value).toEqual(
        ref(resourceNamed(template, 'AWS::SQS::Queue', 'TaskIntakeDeadLetterQueue').id),
      );
      expect(outputs.JobQueueArn?.Value).toEqual({ 'Fn::GetAtt': [jobQueue.id, 'JobQueueArn'] });
      expect(outputs.DestinationUrl?.Value).toEqual({
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution.id, 'DomainName'] }]],
      });
      expect(JSON.stringify(outputs.CliEnvironment?.Value)).toMatch(
        /export IIIF_BATCH_TASK_BUCKET=.*IIIF_BATCH_STATE_BUCKET=.*IIIF_BATCH_QUEUE_URL=.*IIIF_BATCH_DLQ_URL=/,
      );
      expect(outputs.UploadTaskCommand?.Value).toEqual({
        'Fn::Join': ['', ['aws s3 cp task.json s3://', expect.anything(), '/tasks/']],
      });
    });
  });

  describe('cdk-nag', () => {
    it('finds nothing unacknowledged in the AwsSolutions pack', () => {
      // Act
      const { nag } = synthesized;

      // Assess
      expect(
        nag.violations.map((violation) => ({
          rule: violation.ruleName,
          severity: violation.severity,
          at: violation.violatingResources.map((resource) => resource.constructPath),
        })),
      ).toEqual([]);
      expect(nag.success).toBe(true);
    });

    it('carries a reason with every acknowledgement', () => {
      // Act
      const acknowledged = synthesized.stack.node
        .findAll()
        .flatMap((construct) => construct.node.metadata)
        .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
        .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>));

      // Assess
      expect(acknowledged.length).toBeGreaterThan(10);
      for (const [id, reason] of acknowledged) {
        expect({ id, reason: typeof reason === 'string' ? reason.length : JSON.stringify(reason) }).toEqual({
          id,
          reason: expect.any(Number),
        });
        expect(typeof reason === 'string' ? reason.length : 0).toBeGreaterThan(30);
      }
    });
  });

  it('lists every file in the asset of the image context that the Dockerfile needs', () => {
    // Prepare
    const directory = join(synthesized.assembly.directory, `asset.${synthesized.stack.compute.image.assetHash}`);

    // Act
    const entries = readdirSync(directory).sort();

    // Assess
    expect(entries).toEqual([
      '.dockerignore',
      'Dockerfile',
      'package-lock.json',
      'package.json',
      'src',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
  });
});
