import { defineConfig } from 'vitest/config';

/**
 * Two tiers (Vitest projects):
 * - `fast` (`npm test`): unit tests and the tests against the S3/SQS emulator and local processes,
 *   for the edit–test loop;
 * - `slow` (added by `npm run test:all`, which CI runs): real browsers (Chromium), the container
 *   image, CDK synthesis, and any test split into a `*.slow.test.ts` file because it takes seconds.
 */
const SLOW = [
  'test/**/*.slow.test.ts',
  'test/integration/browser/**/*.test.ts',
  'test/cdk/container-image.test.ts',
  'test/cdk/cdk-synth.test.ts',
  'test/cdk/iiif-batch-stack.test.ts',
  'test/cdk/iiif-batch-stack-options.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: SLOW } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
