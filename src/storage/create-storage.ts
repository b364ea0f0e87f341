import type { AwsClientConfig } from '../config.js';
import { FsStorage } from './fs-storage.js';
import type { Storage } from './storage.js';

/**
 * The storage an entry point uses: the filesystem under `localRoot` for local runs, otherwise S3.
 * (Only entry points call this; core code receives the result.)
 */
export async function createStorage(options: {
  localRoot: string | undefined;
  aws: AwsClientConfig;
}): Promise<Storage> {
  if (options.localRoot !== undefined) return new FsStorage(options.localRoot);
  // The S3 adapter is loaded only when needed, so local runs never load the AWS SDK.
  const { createS3Storage } = await import('./s3-storage.js');
  return createS3Storage(options.aws);
}
