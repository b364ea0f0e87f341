import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBMITTER_ENV, SUBMITTER_OPTIONAL_ENV } from '../../src/config.js';
import { actionsOf, resourceNamed, resourcesOf, type Synthesized, statementsOfRole, synthesize } from './synthesize.js';

const ref = (id: string) => ({ Ref: id });

describe('Stack: IiifBatch on EC2 Spot (Graviton) in an existing VPC, publishing to an existing bucket', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize({
      sourceBuckets: ['img-src'],
      destination: { bucketName: 'img-pub' },
      compute: { type: 'EC2_SPOT', architecture: 'arm64', instanceTypes: ['c7g.4xlarge', 'm7g'], maxvCpus: 64 },
      worker: { vcpus: 4, memoryMiB: 7000 },
      network: {
        vpcId: 'vpc-0abc1234',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
      },
    });
  });
  afterAll(() => synthesized.cleanUp());

  it('launches Spot instances of the requested Graviton types with a large encrypted root volume', () => {
    // Prepare
    const { template } = synthesized;
    const launchTemplate = resourceNamed(template, 'AWS::EC2::LaunchTemplate', 'BatchHostLaunchTemplate');

    // Act
    const environment = resourceNamed(template, 'AWS::Batch::ComputeEnvironment', 'BatchComputeEnvironment');

    // Assess
    expect(environment.properties.ComputeResources).toEqual(
      expect.objectContaining({
        Type: 'SPOT',
        AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
        MaxvCpus: 64,
        MinvCpus: 0,
        InstanceTypes: expect.arrayContaining(['c7g.4xlarge', 'm7g']),
        Subnets: ['subnet-0aaa1111', 'subnet-0bbb2222'],
        Ec2Configuration: [{ ImageType: 'ECS_AL2023' }],
        LaunchTemplate: expect.objectContaining({ LaunchTemplateId: ref(launchTemplate.id) }),
      }),
    );
    expect((environment.properties.ComputeResources as { InstanceTypes: string[] }).InstanceTypes).not.toContain(
      'optimal',
    );
    expect(launchTemplate.properties.LaunchTemplateData).toEqual(
      expect.objectContaining({
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: expect.objectContaining({ VolumeSize: 200, VolumeType: 'gp3', Encrypted: true }),
          },
        ],
        MetadataOptions: expect.objectContaining({ HttpTokens: 'required' }),
      }),
    );
  });

  it('defines EC2 jobs with sizes of whole vCPUs and no Fargate settings', () => {
    // Act
    const worker = resourceNamed(synthesized.template, 'AWS::Batch::JobDefinition', 'BatchShardWorkerJob');

    // Assess
    expect(worker.properties.PlatformCapabilities).toEqual(['EC2']);
    const container = worker.properties.ContainerProperties as Record<string, unknown>;
    expect(container.ResourceRequirements).toEqual(
      expect.arrayContaining([
        { Type: 'VCPU', Value: '4' },
        { Type: 'MEMORY', Value: '7000' },
      ]),
    );
    expect(container).not.toHaveProperty('NetworkConfiguration');
    expect(container).not.toHaveProperty('EphemeralStorage');
  });

  it('builds the image for linux/arm64', () => {
    // Act
    const manifest = JSON.parse(
      readFileSync(join(synthesized.assembly.directory, 'IiifBatch.assets.json'), 'utf8'),
    ) as { dockerImages: Record<string, { source: { platform?: string } }> };

    // Assess
    expect(Object.values(manifest.dockerImages).map((image) => image.source.platform)).toEqual(['linux/arm64']);
  });

  it('creates no VPC and places the jobs in the given subnets', () => {
    // Act
    const { template } = synthesized;

    // Assess
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0abc1234' });
  });

  it('creates no destination bucket and grants the jobs the existing one by name', () => {
    // Prepare
    const { template } = synthesized;
    const objects = { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), ':s3:::img-pub/*']] };

    // Act
    const statements = statementsOfRole(template, 'BatchJobRole');

    // Assess
    const buckets = Object.keys(template.findResources('AWS::S3::Bucket'));
    expect(buckets.some((id) => id.startsWith('BucketsDestination'))).toBe(false);
    const writes = statements.filter((statement) => actionsOf(statement).includes('s3:PutObject'));
    expect(writes.flatMap(resourcesOf)).toContainEqual(objects);
    const fn = resourceNamed(template, 'AWS::Lambda::Function', 'SubmitterFunction');
    expect((fn.properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual(
      expect.objectContaining({
        [SUBMITTER_ENV.sourceBuckets]: 'img-src',
        [SUBMITTER_ENV.destinationBuckets]: 'img-pub',
      }),
    );
  });

  it('asks for the bucket policy that lets CloudFront read an existing destination', () => {
    // Act
    const warnings = synthesized.annotations.findWarning('*', Match.stringLikeRegexp('bucket img-pub must allow'));

    // Assess
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.entry.data)).toContain('docs/deploy.md');
  });

  it('finds nothing unacknowledged in the AwsSolutions pack', () => {
    // Assess
    expect(synthesized.nag.violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});

describe('Stack: IiifBatch on Fargate On-Demand behind NAT, without CloudFront', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize({
      sourceBuckets: ['img-src'],
      cdn: { enabled: false },
      compute: { type: 'FARGATE', ephemeralStorageGiB: 120 },
      worker: { vcpus: 4, memoryMiB: 8192, timeoutMinutes: 90 },
      tasks: { prefix: 'incoming/', suffix: '.task.json', maxReceiveCount: 3, statePrefix: 'iiif-state' },
      submitter: { timeoutSeconds: 600, maxConcurrency: 2 },
      network: { natGateways: 1, maxAzs: 2 },
      logRetentionDays: 90,
    });
  });
  afterAll(() => synthesized.cleanUp());

  it('filters task files by the configured prefix and suffix', () => {
    // Act
    const notifications = Object.values(synthesized.template.findResources('Custom::S3BucketNotifications')) as {
      Properties: { NotificationConfiguration: { QueueConfigurations: { Filter: unknown }[] } };
    }[];

    // Assess
    expect(notifications[0]?.Properties.NotificationConfiguration.QueueConfigurations).toEqual([
      expect.objectContaining({
        Filter: {
          Key: {
            FilterRules: expect.arrayContaining([
              { Name: 'prefix', Value: 'incoming/' },
              { Name: 'suffix', Value: '.task.json' },
            ]),
          },
        },
      }),
    ]);
  });

  it('scales the visibility timeout with the submitter timeout and keeps 3 receives', () => {
    // Act
    const queue = resourceNamed(synthesized.template, 'AWS::SQS::Queue', 'TaskIntakeQueue');

    // Assess
    expect(queue.properties.VisibilityTimeout).toBe(3600);
    expect(queue.properties.RedrivePolicy).toEqual(expect.objectContaining({ maxReceiveCount: 3 }));
    synthesized.template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Timeout: 600 });
    synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('passes the state prefix and the worker timeout to submitter and jobs', () => {
    // Prepare
    const fn = resourceNamed(synthesized.template, 'AWS::Lambda::Function', 'SubmitterFunction');
    const worker = resourceNamed(synthesized.template, 'AWS::Batch::JobDefinition', 'BatchShardWorkerJob');

    // Act
    const variables = (fn.properties.Environment as { Variables: Record<string, unknown> }).Variables;

    // Assess
    expect(variables[SUBMITTER_ENV.statePrefix]).toBe('iiif-state');
    expect(variables[SUBMITTER_OPTIONAL_ENV.workerTimeoutSeconds]).toBe('5400');
    expect(worker.properties.Timeout).toEqual({ AttemptDurationSeconds: 5400 });
    expect((worker.properties.ContainerProperties as { Environment: unknown[] }).Environment).toContainEqual({
      Name: 'IIIF_BATCH_STATE_PREFIX',
      Value: 'iiif-state',
    });
  });

  it('runs on-demand Fargate jobs in private subnets without public IPs', () => {
    // Prepare
    const { template } = synthesized;

    // Act
    const environment = resourceNamed(template, 'AWS::Batch::ComputeEnvironment', 'BatchComputeEnvironment');
    const worker = resourceNamed(template, 'AWS::Batch::JobDefinition', 'BatchShardWorkerJob');

    // Assess
    expect(environment.properties.ComputeResources).toEqual(
      expect.objectContaining({
        Type: 'FARGATE',
        Subnets: [
          { Ref: expect.stringMatching(/^NetworkVpcjobsSubnet1/) },
          { Ref: expect.stringMatching(/^NetworkVpcjobsSubnet2/) },
        ],
      }),
    );
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::Subnet', {
      MapPublicIpOnLaunch: false,
      Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: 'jobs' }]),
    });
    expect(worker.properties.ContainerProperties).toEqual(
      expect.objectContaining({
        NetworkConfiguration: { AssignPublicIp: 'DISABLED' },
        EphemeralStorage: { SizeInGiB: 120 },
        ResourceRequirements: expect.arrayContaining([
          { Type: 'VCPU', Value: '4' },
          { Type: 'MEMORY', Value: '8192' },
        ]),
      }),
    );
  });

  it('has no distribution, and its destination URL output says it is not public', () => {
    // Prepare
    const { template } = synthesized;

    // Act
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;

    // Assess
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(outputs.DestinationUrl?.Description).toMatch(/not public/);
    expect(outputs.DistributionId).toBeUndefined();
  });

  it('keeps logs for the configured number of days', () => {
    // Act
    const groups = Object.values(synthesized.template.findResources('AWS::Logs::LogGroup')) as {
      Properties: { RetentionInDays: number };
    }[];

    // Assess
    expect(groups.length).toBeGreaterThanOrEqual(3);
    expect(groups.map((group) => group.Properties.RetentionInDays)).toEqual(groups.map(() => 90));
  });

  it('finds nothing unacknowledged in the AwsSolutions pack', () => {
    // Assess
    expect(synthesized.nag.violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});

describe('Stack: IiifBatch bound to an account and region', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(
      { sourceBuckets: ['img-src'], destination: { bucketName: 'img-pub' } },
      { env: { account: '123456789012', region: 'eu-west-1' } },
    );
  });
  afterAll(() => synthesized.cleanUp());

  it('scopes the Batch job grants to that account and region', () => {
    // Act
    const statements = statementsOfRole(synthesized.template, 'SubmitterRole');

    // Assess
    const tag = statements.find((statement) => actionsOf(statement).includes('batch:TagResource'));
    expect(JSON.stringify(tag?.Resource)).toContain(':batch:eu-west-1:123456789012:job/*');
  });

  it('finds nothing unacknowledged in the AwsSolutions pack', () => {
    // Assess
    expect(synthesized.nag.violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});

describe('Stack: IiifBatch with e-mail notifications on a custom bus', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize({
      sourceBuckets: ['img-src'],
      notifications: { eventBusName: 'archive-events', email: ['ops@example.org', 'curator@example.org'] },
    });
  });
  afterAll(() => synthesized.cleanUp());

  it('forwards run events from that bus to an encrypted SNS topic that e-mails each address', () => {
    // Prepare
    const { template } = synthesized;
    const topic = resourceNamed(template, 'AWS::SNS::Topic', 'NotificationsTopic');

    // Act
    const rule = resourceNamed(template, 'AWS::Events::Rule', 'NotificationsRule');

    // Assess
    expect(rule.properties).toMatchObject({
      EventBusName: 'archive-events',
      EventPattern: { source: ['iiif-batch'], 'detail-type': ['Run finished', 'Task rejected'] },
      Targets: [{ Arn: ref(topic.id) }],
    });
    expect(topic.properties.KmsMasterKeyId).toBeDefined();
    const endpoints = Object.values(template.findResources('AWS::SNS::Subscription')).map(
      (resource) => (resource as { Properties: { Protocol: string; Endpoint: string } }).Properties,
    );
    expect(endpoints.map(({ Protocol, Endpoint }) => `${Protocol}:${Endpoint}`).sort()).toEqual([
      'email:curator@example.org',
      'email:ops@example.org',
    ]);
    const key = resourceNamed(template, 'AWS::KMS::Key', 'NotificationsTopicKey');
    expect(key.properties.EnableKeyRotation).toBe(true);
  });

  it('grants PutEvents on that bus only, and passes cdk-nag', () => {
    // Act
    const statements = [
      ...statementsOfRole(synthesized.template, 'SubmitterRole'),
      ...statementsOfRole(synthesized.template, 'BatchJobRole'),
    ].filter((statement) => actionsOf(statement).includes('events:PutEvents'));

    // Assess
    expect(statements).toHaveLength(2);
    for (const statement of statements)
      expect(JSON.stringify(resourcesOf(statement))).toContain(':event-bus/archive-events');
    expect(synthesized.nag.violations).toEqual([]);
  });
});
