/**
 * The task file text of a benchmark run: collection `id` from `ACCESS_DIR` in bucket `src`, published
 * to bucket `pub` (`img-src`/`img-pub` for the whole-run benchmark), with the given extra settings.
 */
export function benchTaskFile(options: {
  readonly id: string;
  readonly accessDir: string;
  readonly srcBucket?: string;
  readonly destBucket?: string;
  readonly settings?: Readonly<Record<string, string>>;
}): string {
  const environment = {
    COLLECTION_IDENTIFIER: options.id,
    ACCESS_DIR: options.accessDir,
    AWS_SRC_BUCKET: options.srcBucket ?? 'src',
    AWS_DEST_BUCKET: options.destBucket ?? 'pub',
    DEST_PREFIX: 'iiif',
    DEST_URL: 'http://127.0.0.1:8080',
    CSV_PATH: 'metadata',
    CSV_NAME: 'bench.csv',
    ...options.settings,
  };
  return JSON.stringify({
    jobName: options.id,
    environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
  });
}
