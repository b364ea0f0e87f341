import { BatchClient, type BatchClientConfig } from '@aws-sdk/client-batch';

/**
 * The one place a Batch client is built. The SDK reads the region, credentials,
 * `AWS_ENDPOINT_URL_BATCH` / `AWS_ENDPOINT_URL` and `AWS_MAX_ATTEMPTS` itself (standard retry mode:
 * throttling and 5xx answers are retried with backoff before an error reaches the caller).
 */
export function createBatchClient(overrides: BatchClientConfig = {}): BatchClient {
  return new BatchClient({ ...overrides });
}
