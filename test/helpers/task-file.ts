/** A valid legacy task file (the old pipeline's format), with optional environment overrides. */
export function legacyTaskFile(
  overrides: Record<string, string | undefined> = {},
  top: Record<string, unknown> = {},
): Record<string, unknown> {
  const environment: Record<string, string | undefined> = {
    AWS_REGION: 'us-east-1',
    COLLECTION_IDENTIFIER: 'Ms2016_012_Womens_Development_Corp_Box2',
    ACCESS_DIR: 'Women_of_Design/Ms2016_012_Womens_Development_Corp_Box2',
    AWS_SRC_BUCKET: 'img-src',
    AWS_DEST_BUCKET: 'img-pub',
    DEST_PREFIX: 'iawa/Women_of_Design',
    DEST_URL: 'https://d21nnzi4oh5qvs.cloudfront.net',
    CSV_PATH: 'metadata',
    CSV_NAME: 'Ms2016_012_Box2.csv',
    ...overrides,
  };
  return {
    jobName: 'Ms2016_012-Box2',
    jobQueue: 'iiif-queue',
    jobDefinition: 'iiif-job',
    command: './createiiif.sh',
    environment: Object.entries(environment)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => ({ name, value })),
    ...top,
  };
}
