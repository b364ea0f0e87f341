import { BatchClient, SubmitJobCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchSubmitConfig } from '../../src/config.js';
import {
  BatchJobLauncher,
  BatchSubmitError,
  baseJobName,
  RETRY_CONDITIONS,
} from '../../src/submitter/batch-launcher.js';
import type { LaunchRequest } from '../../src/submitter/job-launcher.js';
import { parseTaskFile } from '../../src/task/parse-task-file.js';

const config: BatchSubmitConfig = {
  jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/iiif-default',
  workerJobDefinition: 'iiif-shard-worker:4',
  assemblerJobDefinition: 'iiif-manifest-assembler:2',
  workerTimeoutSeconds: undefined,
  assemblerTimeoutSeconds: 1800,
  attempts: 3,
};

function task(overrides: { jobName?: string; jobQueue?: string; extra?: { name: string; value: string }[] } = {}) {
  const document = {
    jobName: overrides.jobName ?? 'Ms2016_012-Box2',
    ...(overrides.jobQueue === undefined ? {} : { jobQueue: overrides.jobQueue }),
    jobDefinition: 'iiif-job',
    command: './createiiif.sh',
    environment: [
      { name: 'COLLECTION_IDENTIFIER', value: 'Ms2016_012_Box2' },
      { name: 'ACCESS_DIR', value: 'Women_of_Design/Box2' },
      { name: 'AWS_SRC_BUCKET', value: 'img-src' },
      { name: 'AWS_DEST_BUCKET', value: 'img-pub' },
      { name: 'DEST_PREFIX', value: 'iawa' },
      { name: 'DEST_URL', value: 'https://example.org' },
      { name: 'CSV_PATH', value: 'metadata' },
      { name: 'CSV_NAME', value: 'Box2.csv' },
      ...(overrides.extra ?? []),
    ],
  };
  return parseTaskFile(JSON.stringify(document), 's3://tasks/tasks/box2.json');
}

function request(shards: number[], overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    runId: 'Ms2016_012-Box2-0123456789ab',
    attempt: 1,
    shards,
    task: task(),
    state: { bucket: 'iiif-tasks', prefix: 'pipeline' },
    ...overrides,
  };
}

const expectedEnvironment = [
  { name: 'IIIF_BATCH_RUN_ID', value: 'Ms2016_012-Box2-0123456789ab' },
  { name: 'IIIF_BATCH_STATE_BUCKET', value: 'iiif-tasks' },
  { name: 'IIIF_BATCH_STATE_PREFIX', value: 'pipeline' },
  { name: 'IIIF_BATCH_ATTEMPT', value: '1' },
];

const expectedRetryStrategy = {
  attempts: 3,
  evaluateOnExit: [
    { onStatusReason: 'Host EC2*', action: 'RETRY' },
    { onStatusReason: 'Your Spot Task was interrupted*', action: 'RETRY' },
    { onReason: 'CannotPullContainerError*', action: 'RETRY' },
    { onExitCode: '2', action: 'EXIT' },
  ],
};

const expectedTags = {
  'iiif-batch:run-id': 'Ms2016_012-Box2-0123456789ab',
  'iiif-batch:job-name': 'Ms2016_012-Box2',
  'iiif-batch:collection': 'Ms2016_012_Box2',
  'iiif-batch:attempt': '1',
};

describe('BatchJobLauncher', () => {
  const batch = mockClient(BatchClient);
  // Without test isolation (vitest.config.ts) the next file in this worker gets the real client.
  afterAll(() => batch.restore());

  beforeEach(() => {
    batch.reset();
  });
  afterEach(() => {
    batch.reset();
  });

  it('submits one array job of the shard count and an assembler that depends on it', async () => {
    // Prepare
    batch
      .on(SubmitJobCommand, { jobName: 'Ms2016_012-Box2-tiles' })
      .resolves({ jobId: 'array-1', jobName: 'Ms2016_012-Box2-tiles', jobArn: 'arn:array-1' })
      .on(SubmitJobCommand, { jobName: 'Ms2016_012-Box2-manifests' })
      .resolves({ jobId: 'assemble-1', jobName: 'Ms2016_012-Box2-manifests', jobArn: 'arn:assemble-1' });
    const launcher = new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), config);

    // Act
    const result = await launcher.launch(request([0, 1, 2, 3, 4, 5, 6]));

    // Assess
    const calls = batch.commandCalls(SubmitJobCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input).toEqual({
      jobName: 'Ms2016_012-Box2-tiles',
      jobQueue: config.jobQueue,
      jobDefinition: 'iiif-shard-worker:4',
      arrayProperties: { size: 7 },
      containerOverrides: { environment: expectedEnvironment },
      retryStrategy: expectedRetryStrategy,
      timeout: { attemptDurationSeconds: 3600 },
      tags: expectedTags,
      propagateTags: true,
    });
    expect(calls[1]?.args[0].input).toEqual({
      jobName: 'Ms2016_012-Box2-manifests',
      jobQueue: config.jobQueue,
      jobDefinition: 'iiif-manifest-assembler:2',
      dependsOn: [{ jobId: 'array-1' }],
      containerOverrides: { environment: expectedEnvironment },
      retryStrategy: expectedRetryStrategy,
      timeout: { attemptDurationSeconds: 1800 },
      tags: expectedTags,
      propagateTags: true,
    });
    expect(result).toEqual({
      shardJobId: 'array-1',
      assemblerJobId: 'assemble-1',
      completed: false,
      jobQueue: config.jobQueue,
    });
    expect(launcher.kind).toBe('batch');
  });

  it('submits a plain job (no arrayProperties) for a one-shard run', async () => {
    // Prepare
    batch.on(SubmitJobCommand).resolvesOnce({ jobId: 'plain-1' }).resolvesOnce({ jobId: 'assemble-1' });
    const launcher = new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), config);

    // Act
    const result = await launcher.launch(request([0]));

    // Assess
    const calls = batch.commandCalls(SubmitJobCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input).not.toHaveProperty('arrayProperties');
    expect(calls[0]?.args[0].input.jobDefinition).toBe('iiif-shard-worker:4');
    expect(calls[0]?.args[0].input.containerOverrides).toEqual({ environment: expectedEnvironment });
    expect(calls[1]?.args[0].input.dependsOn).toEqual([{ jobId: 'plain-1' }]);
    expect(result.shardJobId).toBe('plain-1');
    expect(result.assemblerJobId).toBe('assemble-1');
  });

  it('never passes the local root and names later attempts apart', async () => {
    // Prepare
    batch.on(SubmitJobCommand).resolvesOnce({ jobId: 'array-2' }).resolvesOnce({ jobId: 'assemble-2' });
    const launcher = new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), config);

    // Act
    await launcher.launch(request([3, 9], { attempt: 2, state: { bucket: 'iiif-tasks', prefix: '' } }));

    // Assess
    const [shards, assembler] = batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input);
    expect(shards?.jobName).toBe('Ms2016_012-Box2-r2-tiles');
    expect(assembler?.jobName).toBe('Ms2016_012-Box2-r2-manifests');
    expect(shards?.arrayProperties).toEqual({ size: 2 });
    // An empty prefix is left out (the jobs default it to none); no IIIF_BATCH_LOCAL_ROOT ever.
    expect(shards?.containerOverrides?.environment).toEqual([
      { name: 'IIIF_BATCH_RUN_ID', value: 'Ms2016_012-Box2-0123456789ab' },
      { name: 'IIIF_BATCH_STATE_BUCKET', value: 'iiif-tasks' },
      { name: 'IIIF_BATCH_ATTEMPT', value: '2' },
    ]);
    expect(shards?.tags?.['iiif-batch:attempt']).toBe('2');
  });

  it("never uses a task file's jobQueue or jobDefinition (iiif-job)", async () => {
    // Prepare
    batch.on(SubmitJobCommand).resolves({ jobId: 'job' });
    const launcher = new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), config);

    // Act
    const result = await launcher.launch(request([0, 1], { task: task({ jobQueue: 'iiif-large' }) }));

    // Assess
    const inputs = batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => input.jobQueue)).toEqual([config.jobQueue, config.jobQueue]);
    expect(inputs.map((input) => input.jobDefinition)).toEqual([
      config.workerJobDefinition,
      config.assemblerJobDefinition,
    ]);
    expect(result.jobQueue).toBe(config.jobQueue);
  });

  it('derives the worker timeout from the shard target unless configured', async () => {
    // Prepare
    batch.on(SubmitJobCommand).resolves({ jobId: 'job' });
    const derived = new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), config);
    const fixed = new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), {
      ...config,
      workerTimeoutSeconds: 7200,
    });
    const longShards = task({ extra: [{ name: 'SHARD_TARGET_MINUTES', value: '30' }] });

    // Act
    await derived.launch(request([0, 1], { task: longShards }));
    await fixed.launch(request([0, 1], { task: longShards }));

    // Assess
    const timeouts = batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input.timeout);
    expect(timeouts).toEqual([
      { attemptDurationSeconds: 7200 },
      { attemptDurationSeconds: 1800 },
      { attemptDurationSeconds: 7200 },
      { attemptDurationSeconds: 1800 },
    ]);
  });

  it('refuses more shards than an array job can hold, and none', async () => {
    // Prepare
    const launcher = new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), config);
    const tooMany = Array.from({ length: 10_001 }, (_, index) => index);

    // Act / Assess
    await expect(launcher.launch(request(tooMany))).rejects.toThrow(
      'Expected between 1 and 10000 shards for run Ms2016_012-Box2-0123456789ab but received 10001',
    );
    await expect(launcher.launch(request([]))).rejects.toThrow('but received 0');
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
  });

  it('accepts exactly 10,000 shards as one array job', async () => {
    // Prepare
    batch.on(SubmitJobCommand).resolves({ jobId: 'job' });
    const launcher = new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), config);

    // Act
    await launcher.launch(request(Array.from({ length: 10_000 }, (_, index) => index)));

    // Assess
    expect(batch.commandCalls(SubmitJobCommand)[0]?.args[0].input.arrayProperties).toEqual({ size: 10_000 });
  });

  it('terminates the shard job when the assembler cannot be submitted, and reports throttling as transient', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Too Many Requests'), {
      name: 'ClientException',
      $metadata: { httpStatusCode: 429 },
    });
    batch.on(SubmitJobCommand).resolvesOnce({ jobId: 'array-9' }).rejectsOnce(throttled);
    batch.on(TerminateJobCommand).resolves({});
    const launcher = new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), config);

    // Act
    const error = await launcher.launch(request([0, 1, 2])).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(BatchSubmitError);
    expect((error as BatchSubmitError).transient).toBe(true);
    expect((error as Error).message).toContain('Submitting Batch job Ms2016_012-Box2-manifests');
    const terminate = batch.commandCalls(TerminateJobCommand);
    expect(terminate).toHaveLength(1);
    expect(terminate[0]?.args[0].input.jobId).toBe('array-9');
  });

  it('reports a rejected submission (unknown queue) as not transient', async () => {
    // Prepare
    const rejected = Object.assign(new Error('JobQueue iiif-default not found'), {
      name: 'ClientException',
      $metadata: { httpStatusCode: 400 },
    });
    batch.on(SubmitJobCommand).rejects(rejected);
    const launcher = new BatchJobLauncher(new BatchClient({ region: 'us-east-1' }), config);

    // Act
    const error = await launcher.launch(request([0, 1])).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(BatchSubmitError);
    expect((error as BatchSubmitError).transient).toBe(false);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(1);
  });
});

describe('retry conditions', () => {
  it('are at most five, use only the characters Batch accepts, and exit on code 2 only (failed images exit 0)', () => {
    // Prepare
    const textPattern = /^[A-Za-z0-9.: \t]+\*?$/;

    // Act
    const exits = RETRY_CONDITIONS.filter((condition) => condition.action === 'EXIT').map((c) => c.onExitCode);

    // Assess
    expect(RETRY_CONDITIONS.length).toBeLessThanOrEqual(5);
    for (const condition of RETRY_CONDITIONS) {
      if (condition.onStatusReason !== undefined) expect(condition.onStatusReason).toMatch(textPattern);
      if (condition.onReason !== undefined) expect(condition.onReason).toMatch(textPattern);
      if (condition.onExitCode !== undefined) expect(condition.onExitCode).toMatch(/^\d+\*?$/);
    }
    expect(exits.sort()).toEqual(['2']);
  });
});

describe('baseJobName', () => {
  it('keeps valid names and replaces what Batch does not accept', () => {
    // Act / Assess
    expect(baseJobName('Ms2016_012-Box2', 1)).toBe('Ms2016_012-Box2');
    expect(baseJobName('--Box 2/ä', 1)).toBe('Box-2--');
    expect(baseJobName('***', 1)).toBe('iiif-batch');
  });

  it('leaves room for the suffixes within 128 characters', () => {
    // Prepare
    const long = 'a'.repeat(200);

    // Act
    const first = `${baseJobName(long, 1)}-manifests`;
    const later = `${baseJobName(long, 12)}-manifests`;

    // Assess
    expect(first.length).toBe(128);
    expect(later.length).toBe(128);
    expect(later.endsWith('-r12-manifests')).toBe(true);
  });
});
