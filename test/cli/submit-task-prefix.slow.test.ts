import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../../src/storage/s3-storage.js';
import { resourceNamed, type Synthesized, synthesize } from '../cdk/synthesize.js';
import { type LocalAws, startLocalAws } from '../helpers/local-aws.js';
import { runCli } from '../helpers/run-cli.js';
import { legacyTaskFile } from '../helpers/task-file.js';
import { emulatorS3 } from '../operations/helpers/run-records.js';

const TASK_BUCKET = 'iiif-tasks';

/**
 * A stack whose task files live under `inbox/`, synthesised, and the `CliEnvironment` line it
 * outputs pasted (as an operator would) into the environment of `iiif-batch submit`, against
 * fauxqs on 127.0.0.1: the task file must land where the stack's notification fires.
 */
describe('submit with the CliEnvironment of a stack with a custom task prefix', () => {
  let synthesized: Synthesized;
  let aws: LocalAws;
  let s3: S3Client;
  let sqs: SQSClient;
  let root: string;
  let cliEnvironment: Record<string, string>;

  beforeAll(async () => {
    synthesized = synthesize({ sourceBuckets: ['img-src'], tasks: { prefix: 'inbox/' } });
    aws = await startLocalAws();
    s3 = await emulatorS3(aws, [TASK_BUCKET]);
    sqs = new SQSClient(aws.clientConfig);
    root = await mkdtemp(join(tmpdir(), 'submit-prefix-'));

    // The stack's resources, as this emulator has them.
    const { template } = synthesized;
    const queueUrls = new Map<string, string>();
    for (const id of Object.keys(template.findResources('AWS::SQS::Queue'))) {
      const created = await sqs.send(new CreateQueueCommand({ QueueName: id }));
      queueUrls.set(id, created.QueueUrl ?? '');
    }
    const taskBucket = resourceNamed(template, 'AWS::S3::Bucket', 'TaskIntakeBucket').id;
    const resolve = (part: unknown): string => {
      if (typeof part === 'string') return part;
      const { Ref: ref, 'Fn::GetAtt': getAtt } = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (ref === 'AWS::Region') return 'us-east-1';
      if (ref === taskBucket) return TASK_BUCKET;
      if (ref !== undefined && queueUrls.has(ref)) return queueUrls.get(ref) ?? '';
      if (getAtt?.[1] === 'JobQueueArn') return 'arn:aws:batch:us-east-1:123456789012:job-queue/iiif';
      throw new Error(`Unexpected token in CliEnvironment: ${JSON.stringify(part)}`);
    };
    const output = template.toJSON().Outputs.CliEnvironment.Value as { 'Fn::Join': [string, unknown[]] };
    const line = output['Fn::Join'][1].map(resolve).join(output['Fn::Join'][0]);
    cliEnvironment = Object.fromEntries(
      line
        .replace(/^export /, '')
        .split(' ')
        .map((assignment) => assignment.split('=', 2) as [string, string]),
    );
  }, 240_000);

  afterAll(async () => {
    synthesized?.cleanUp();
    s3?.destroy();
    sqs?.destroy();
    await aws?.stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('uploads under the stack prefix, and gives up waiting with a clear message when no run appears', async () => {
    // Prepare
    const taskPath = join(root, 'box2.json');
    await writeFile(taskPath, JSON.stringify(legacyTaskFile()));
    const notification = synthesized.template.toJSON().Resources as Record<
      string,
      { Type: string; Properties: unknown }
    >;
    const filterRules = Object.values(notification)
      .filter((resource) => resource.Type === 'Custom::S3BucketNotifications')
      .flatMap(
        (resource) =>
          (
            resource.Properties as {
              NotificationConfiguration: {
                QueueConfigurations: { Filter: { Key: { FilterRules: { Name: string; Value: string }[] } } }[];
              };
            }
          ).NotificationConfiguration.QueueConfigurations,
      )
      .flatMap((configuration) => configuration.Filter.Key.FilterRules);

    // Act: no submitter consumes the queue here, so no run record will ever appear.
    const result = await runCli(
      ['submit', taskPath, '--wait', '--start-timeout', '0.002', '--interval', '0.1', '--json'],
      {
        env: {
          ...cliEnvironment,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_ENDPOINT_URL: aws.endpoint,
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_MAX_ATTEMPTS: '1',
          S3_FORCE_PATH_STYLE: 'true',
          LOG_LEVEL: 'warn',
        },
      },
    );

    // Assess: the output carries the prefix; the file is where the notification filter fires.
    expect(cliEnvironment.IIIF_BATCH_TASK_PREFIX).toBe('inbox/');
    expect(filterRules).toEqual(
      expect.arrayContaining([
        { Name: 'prefix', Value: 'inbox/' },
        { Name: 'suffix', Value: '.json' },
      ]),
    );
    const keys: string[] = [];
    for await (const object of new S3Storage(s3).list(TASK_BUCKET, '')) keys.push(object.key);
    expect(keys, result.stderr).toEqual(['inbox/box2.json']);
    expect(result.code, result.stderr).toBe(1);
    const answer = JSON.parse(result.stdout) as { status: string; error: string; task: string };
    expect(answer.status).toBe('not-started');
    expect(answer.task).toBe(`s3://${TASK_BUCKET}/inbox/box2.json`);
    expect(answer.error).toContain('appeared within 0.002 minutes');
    expect(answer.error).toContain('IIIF_BATCH_TASK_PREFIX');
    expect(answer.error).toContain('iiif-batch dlq');
  }, 60_000);
});
