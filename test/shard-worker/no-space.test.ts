import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { RunStore } from '../../src/run/run-store.js';
import { runShard } from '../../src/shard-worker/run-shard.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { noSpaceError } from '../../src/util/no-space-error.js';
import { testTask } from '../helpers/test-task.js';
import { photoRaw } from './helpers/fixtures.js';
import { LOCAL_STATE, writeShard } from './helpers/shard-fixture.js';

describe('Function: noSpaceError', () => {
  it('names the folder for a full disk or quota, by code, message or cause, and nothing else', () => {
    // Prepare
    const coded = Object.assign(new Error("ENOSPC: no space left on device, write '/w/x'"), { code: 'ENOSPC' });
    const sharpLike = new Error(
      'VipsImage: unable to write to "/w/iiif-batch-1/decoded-rows.v"\nNo space left on device',
    );
    const quota = Object.assign(new Error('write failed'), { code: 'EDQUOT' });
    const wrapped = new Error('tiling failed', { cause: sharpLike });

    // Act
    const found = [coded, sharpLike, quota, wrapped].map((error) => noSpaceError(error, '/w'));
    const other = noSpaceError(new Error('VipsJpeg: premature end of JPEG image'), '/w');

    // Assess
    for (const error of found) {
      expect(error).toBeInstanceOf(InfrastructureError);
      expect(error?.message).toMatch(/^no space left in \/w: /);
      expect(error?.transient).toBe(true);
    }
    expect(found[1]?.message).toBe(
      'no space left in /w: VipsImage: unable to write to "/w/iiif-batch-1/decoded-rows.v" No space left on device',
    );
    expect(other).toBeUndefined();
  });
});

/** A tmpfs of `size` mounted on a new folder, or why none can be (not root, no mount permission). */
function mountTmpfs(dir: string, size: string): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed: ${(error as Error).message}`;
  }
}

let root: string;
let full: string;
let cannotMount: string | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'no-space-test-'));
  full = await mkdtemp(join(tmpdir(), 'no-space-tmpfs-'));
  cannotMount = mountTmpfs(full, '1m');
  if (cannotMount !== undefined) console.warn(`Skipping the full-disk tests: ${cannotMount}`);
});

afterAll(async () => {
  if (cannotMount === undefined) execFileSync('umount', [full]);
  await rm(full, { recursive: true, force: true });
  await rm(root, { recursive: true, force: true });
});

describe('Function: runShard, the working disk is full', () => {
  it('records an infrastructure failure naming the folder, never blames the image, and asks for a retry', async (context) => {
    if (cannotMount !== undefined) context.skip();
    // Prepare: a source in a store without local files (as S3) is copied to the working disk
    // first: 4.5 MB onto a disk of 1 MB.
    const files = new FsStorage(root);
    const storage = Object.assign(Object.create(files) as FsStorage, { localPath: undefined });
    const task = testTask({ srcBucket: 'src', destBucket: 'pub' });
    const bytes = await (await photoRaw(1500, 1000)).tiff({ compression: 'none' }).toBuffer();
    await writeShard(storage, task, {
      runId: 'run-full',
      shard: 0,
      shardCount: 1,
      item: 'Item1',
      sources: [{ file: 'p1.tif', bytes, format: 'tiff' }],
    });
    const runStore = new RunStore(storage, LOCAL_STATE);

    // Act
    const outcome = await runShard(
      { storage, runStore, logger: silentLogger, tempDir: full, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
      { runId: 'run-full', shard: 0, attempt: 1 },
    );

    // Assess
    expect(outcome.retryable).toBe(true);
    const [image] = outcome.result.images;
    expect(image?.status).toBe('failed');
    expect(image?.retryable).toBe(true);
    expect(image?.reason).toMatch(new RegExp(`^no space left in ${full}: .*no space left on device`, 'i'));
    expect(image?.reason).not.toMatch(/decodable|truncated/);
  });
});
