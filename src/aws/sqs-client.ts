import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

/**
 * The one place an SQS client is built. The SDK reads the region, credentials,
 * `AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL` and `AWS_MAX_ATTEMPTS` itself.
 */
export function createSqsClient(overrides: SQSClientConfig = {}): SQSClient {
  return new SQSClient({ ...overrides });
}
