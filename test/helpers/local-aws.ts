import { buildApp } from '../emulator/fauxqs.js';

/** A local S3 + SQS emulator (fauxqs) listening on 127.0.0.1 only, on a free port. */
export interface LocalAws {
  /** e.g. `http://127.0.0.1:41234`: use as `endpoint` / `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  /** Fake credentials and region for clients and child processes; nothing reaches AWS. */
  readonly clientConfig: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  stop(): Promise<void>;
}

/**
 * Start fauxqs in this process on 127.0.0.1 (its `startFauxqs` helper binds every interface).
 * Create buckets and queues through the SDK, as a deployment would.
 */
export async function startLocalAws(): Promise<LocalAws> {
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = address.replace('localhost', '127.0.0.1');
  return {
    endpoint,
    clientConfig: {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    },
    stop: async () => {
      await app.close();
    },
  };
}
