import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { AwsClientConfig } from '../config.js';

/**
 * The one place an S3 client is built. The SDK itself reads the region, credentials (the job or
 * function role in AWS), `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` and `AWS_MAX_ATTEMPTS`; this adds
 * what it does not read:
 * - `forcePathStyle` from `S3_FORCE_PATH_STYLE`, for S3-compatible stores and emulators;
 * - checksums only when an operation requires them, so stores that do not implement the SDK's
 *   default flexible checksums (emulators, older MinIO/Ceph) accept streamed uploads intact.
 * `overrides` lets tests point a client at an emulator explicitly.
 */
export function createS3Client(config: AwsClientConfig, overrides: S3ClientConfig = {}): S3Client {
  return new S3Client({
    forcePathStyle: config.s3ForcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...overrides,
  });
}
