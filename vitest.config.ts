import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

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
    // Vitest's default is one worker fewer than the CPUs: a single worker on a 2-core machine (and
    // CI). Many tests wait on child processes (shard workers, the assembler) or the emulator, so two
    // files at a time keep both cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A worker process runs file after file, keeping what they load (sharp, the AWS SDK, our own
    // modules): starting a process and loading them again for each of ~80 files cost about half the
    // fast tier's CPU time. So a test file must leave the process as it found it: restore what it
    // mocks (`mockClient(...).restore()`; Vitest restores `vi.spyOn` itself), put back environment
    // variables it sets, and load afresh (`vi.resetModules()`, then `await import`) the modules it
    // wants to see a `vi.mock` (as test/storage/fs-storage.test.ts does); test/setup/guard-shared-worker.ts
    // fails a file that leaves a client mock or an environment variable behind. The slow tier keeps
    // a fresh module registry per file.
    isolate: false,
    projects: [
      {
        extends: true,
        // configDefaults.exclude: node_modules (test/emulator has its own) and the like.
        test: {
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SLOW],
          setupFiles: ['test/setup/guard-shared-worker.ts'],
        },
      },
      { extends: true, test: { name: 'slow', include: SLOW, exclude: configDefaults.exclude, isolate: true } },
    ],
  },
});
