import { BatchClient } from '@aws-sdk/client-batch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
// Loaded before the environment is noted: libvips sets VIPSHOME when sharp first loads it.
import 'sharp';
import { afterAll } from 'vitest';

/**
 * Setup file of the fast tier, whose workers run test file after test file in one process
 * (`isolate: false` in vitest.config.ts): what a file leaves changed reaches the files after it, in
 * whatever order they happen to run. This puts back an AWS client mock (`mockClient`) or an
 * environment variable that a file left behind, and fails that file, naming what to clean up.
 */
const environment = { ...process.env };

afterAll(() => {
  const left: string[] = [];
  for (const client of [S3Client, SQSClient, BatchClient, EventBridgeClient]) {
    const send = client.prototype.send as { isSinonProxy?: boolean; restore?: () => void };
    if (send.isSinonProxy === true && send.restore !== undefined) {
      send.restore();
      left.push(`mockClient(${client.name}) (restore it in afterAll)`);
    }
  }
  for (const name of new Set([...Object.keys(environment), ...Object.keys(process.env)])) {
    if (process.env[name] === environment[name]) continue;
    left.push(`environment variable ${name} (put it back in afterAll)`);
    if (environment[name] === undefined) delete process.env[name];
    else process.env[name] = environment[name];
  }
  if (left.length > 0) {
    throw new Error(`This test file leaves the worker changed for the files after it: ${left.join(', ')}`);
  }
});
