import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fargateMemoryChoices, resolveSettings } from '../../cdk/settings.js';
import { InvalidInputError } from '../../src/errors.js';
import { repoRoot } from './synthesize.js';

function failure(input: unknown): InvalidInputError {
  try {
    resolveSettings(input, 'cdk/config.json');
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('Expected the settings to be rejected');
}

describe('Function: resolveSettings', () => {
  it('applies every default to empty settings', () => {
    // Act
    const settings = resolveSettings({});

    // Assess
    expect(settings).toEqual({
      sourceBuckets: [],
      destination: { bucketName: undefined, publicUrl: undefined },
      cdn: {
        enabled: true,
        allowedOrigins: ['*'],
        priceClass: 'PriceClass_100',
        domainNames: [],
        certificateArn: undefined,
      },
      tasks: { prefix: 'tasks/', suffix: '.json', maxReceiveCount: 5, statePrefix: '' },
      submitter: { timeoutSeconds: 900, memoryMiB: 2048, maxConcurrency: 5, batchSize: 1 },
      compute: {
        type: 'FARGATE_SPOT',
        maxvCpus: 256,
        architecture: 'x86_64',
        instanceTypes: [],
        ephemeralStorageGiB: 50,
      },
      worker: { vcpus: 2, memoryMiB: 4096, timeoutMinutes: undefined, uploadConcurrency: 16 },
      assembler: { vcpus: 1, memoryMiB: 2048, timeoutMinutes: 60 },
      network: { kind: 'created', maxAzs: 2, natGateways: 0 },
      notifications: { eventBusName: 'default', email: [] },
      jobAttempts: 3,
      logRetentionDays: 30,
    });
  });

  it('accepts the example config file as it is', () => {
    // Prepare
    const { stackName, ...example } = JSON.parse(
      readFileSync(join(repoRoot, 'cdk', 'config.example.json'), 'utf8'),
    ) as Record<string, unknown>;

    // Act
    const settings = resolveSettings(example, 'cdk/config.example.json');

    // Assess
    expect(stackName).toBe('IiifBatch');
    expect(settings.sourceBuckets).toEqual(['img-src']);
    expect(settings.destination.bucketName).toBe('img-pub');
  });

  it('uses a larger root volume by default on EC2', () => {
    // Act
    const settings = resolveSettings({ compute: { type: 'EC2_ON_DEMAND' } });

    // Assess
    expect(settings.compute.ephemeralStorageGiB).toBe(200);
  });

  it('takes an existing VPC', () => {
    // Act
    const settings = resolveSettings({
      network: {
        vpcId: 'vpc-0123abcd',
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        subnetIds: ['subnet-0123abcd', 'subnet-4567ef01'],
        publicSubnets: true,
      },
    });

    // Assess
    expect(settings.network).toEqual({
      kind: 'existing',
      vpcId: 'vpc-0123abcd',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      subnetIds: ['subnet-0123abcd', 'subnet-4567ef01'],
      publicSubnets: true,
    });
  });

  it('accepts Fargate memory sizes at both ends of each vCPU range', () => {
    // Act
    const low = resolveSettings({ worker: { vcpus: 4, memoryMiB: 8192 } });
    const high = resolveSettings({ worker: { vcpus: 4, memoryMiB: 30720 } });
    const small = resolveSettings({ assembler: { vcpus: 0.25 } });

    // Assess
    expect(low.worker.memoryMiB).toBe(8192);
    expect(high.worker.memoryMiB).toBe(30720);
    // The default memory is fitted into the range of a smaller size.
    expect(small.assembler.memoryMiB).toBe(2048);
  });

  it.each([
    [{ sourceBucket: ['img-src'] }, 'Unknown setting sourceBucket (did you mean sourceBuckets?) (cdk/config.json)'],
    [{ compute: { maxVcpus: 8 } }, 'Unknown setting compute.maxVcpus (did you mean compute.maxvCpus?)'],
    [
      { compute: { maxvCpus: 0 } },
      'Expected integer between 1 and 10000 for compute.maxvCpus but received 0 of type number',
    ],
    [{ compute: { type: 'SPOT' } }, 'Expected one of FARGATE_SPOT, FARGATE, EC2_SPOT, EC2_ON_DEMAND for compute.type'],
    [{ compute: { ephemeralStorageGiB: 20 } }, 'Expected integer between 21 and 200 for compute.ephemeralStorageGiB'],
    [{ compute: { instanceTypes: ['c6i'] } }, 'Expected no instance types with compute.type FARGATE_SPOT'],
    [{ worker: { vcpus: 3 } }, 'Expected one of 0.25, 0.5, 1, 2, 4, 8, 16 for worker.vcpus but received 3'],
    [
      { worker: { vcpus: 2, memoryMiB: 3072 } },
      'Expected a Fargate memory size for 2 vCPU (4096 to 16384 in steps of 1024) for worker.memoryMiB but received 3072',
    ],
    [
      { worker: { vcpus: 8 }, compute: { maxvCpus: 4 } },
      'Expected at most compute.maxvCpus (4) vCPUs for worker.vcpus but received 8',
    ],
    [{ tasks: { maxReceiveCount: 2 } }, 'Expected integer between 3 and 100 for tasks.maxReceiveCount but received 2'],
    [{ tasks: { prefix: '' } }, 'Expected a non-empty key prefix without a leading / for tasks.prefix but received ""'],
    [
      { tasks: { prefix: 'runs/' } },
      'Expected a prefix that does not overlap the run records at "runs/" (run reports would start runs) for tasks.prefix',
    ],
    [
      { tasks: { prefix: 'tasks/', statePrefix: 'tasks/state' } },
      'does not overlap the run records at "tasks/state/runs/"',
    ],
    [{ sourceBuckets: ['Img_Src'] }, 'Expected an S3 bucket name for sourceBuckets[0] but received "Img_Src"'],
    [{ destination: { bucketName: '10.0.0.1' } }, 'Expected an S3 bucket name for destination.bucketName'],
    [{ tasks: { prefix: 'tasks/../x/' } }, 'Expected a non-empty key prefix without a leading / for tasks.prefix'],
    [{ tasks: { prefix: '/tasks/' } }, 'Expected a non-empty key prefix without a leading / for tasks.prefix'],
    [{ worker: { uploadConcurrency: 257 } }, 'Expected integer between 1 and 256 for worker.uploadConcurrency'],
    [{ jobAttempts: 0 }, 'Expected integer between 1 and 10 for jobAttempts but received 0 of type number'],
    [
      { sourceBuckets: ['a-b', 'a-b'] },
      'Expected a list without duplicates for sourceBuckets but received "a-b" twice',
    ],
    [
      { sourceBuckets: 'img-src' },
      'Expected a list of strings (an S3 bucket name) for sourceBuckets but received "img-src"',
    ],
    [
      { destination: { publicUrl: 'https://cdn.example.org/' } },
      'Expected an absolute http(s) URL without a trailing / for destination.publicUrl',
    ],
    [{ cdn: { enabled: 'yes' } }, 'Expected true or false for cdn.enabled but received "yes"'],
    [
      { cdn: { domainNames: ['iiif.example.org'] } },
      'Expected an ACM certificate ARN in us-east-1 when cdn.domainNames is set for cdn.certificateArn',
    ],
    [
      { cdn: { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' } },
      'Expected an ACM certificate ARN in us-east-1 for cdn.certificateArn',
    ],
    [
      { network: { subnetIds: ['subnet-0123abcd'] } },
      'Expected no value unless network.vpcId is set for network.subnetIds',
    ],
    [
      { network: { vpcId: 'vpc-0123abcd', subnetIds: ['subnet-0123abcd'], availabilityZones: [] } },
      'Expected one availability zone per subnet (1) for network.availabilityZones but received 0',
    ],
    [
      { network: { vpcId: 'vpc-0123abcd', natGateways: 1 } },
      'Expected no value with an existing VPC (network.vpcId) for network.natGateways',
    ],
    [{ network: { maxAzs: 4 } }, 'Expected integer between 1 and 3 for network.maxAzs but received 4'],
    [{ logRetentionDays: 10 }, 'Expected one of 1, 3, 5, 7, 14, 30,'],
    [
      { notifications: { email: ['ops.example.org'] } },
      'Expected an e-mail address for notifications.email[0] but received "ops.example.org"',
    ],
    [
      { notifications: { eventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/x' } },
      'Expected an EventBridge bus name (letters, digits, . _ -) for notifications.eventBusName',
    ],
    [{ notifications: { emails: [] } }, 'Unknown setting notifications.emails (did you mean notifications.email?)'],
    [{ jobAttempts: 11 }, 'Expected integer between 1 and 10 for jobAttempts but received 11'],
    [{ submitter: { timeoutSeconds: 901 } }, 'Expected integer between 30 and 900 for submitter.timeoutSeconds'],
    [[], 'Expected an object for the settings but received a list'],
    [{ compute: 'FARGATE' }, 'Expected an object for compute but received "FARGATE"'],
  ])('rejects %j', (input, message) => {
    // Act
    const error = failure(input);

    // Assess
    expect(error.message).toContain(message);
    expect(error.source).toBe('cdk/config.json');
  });

  it('names the field at fault', () => {
    // Act
    const error = failure({ worker: { memoryMiB: 'lots' } });

    // Assess
    expect(error.field).toBe('worker.memoryMiB');
  });
});

describe('Function: fargateMemoryChoices', () => {
  it('lists the memory sizes Fargate allows per vCPU count', () => {
    // Act
    const quarter = fargateMemoryChoices(0.25);
    const one = fargateMemoryChoices(1);
    const sixteen = fargateMemoryChoices(16);

    // Assess
    expect(quarter).toEqual([512, 1024, 2048]);
    expect(one).toEqual([2048, 3072, 4096, 5120, 6144, 7168, 8192]);
    expect(sixteen[0]).toBe(32768);
    expect(sixteen.at(-1)).toBe(122880);
    expect(fargateMemoryChoices(3)).toEqual([]);
  });
});
