import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_POINTS, JOB_ENV } from '../../src/config.js';
import { ExitCode } from '../../src/exit-codes.js';
import { RunStore } from '../../src/run/run-store.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import type { Task } from '../../src/task/task.js';
import { testTask } from '../helpers/test-task.js';
import { checkPublishedService } from './helpers/check-published-service.js';
import { LOCAL_STATE, mixedSources, writeShard } from './helpers/shard-fixture.js';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const ENTRY = resolve(repoRoot, ENTRY_POINTS.shardWorker);

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Run the compiled worker with exactly the environment a Batch array child gets (plus PATH). */
async function runWorker(env: Record<string, string>): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  let code = 0;
  let stderr: string;
  try {
    ({ stderr } = await execFileAsync(process.execPath, [ENTRY], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
      timeout: 120_000,
    }));
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    code = failed.code;
    stderr = failed.stderr ?? '';
  }
  const lines = stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines };
}

describe('shard-worker main (compiled entry point)', () => {
  let root: string;
  let storage: FsStorage;
  let task: Task;
  let batchEnv: (childIndex: number, attempt?: number) => Record<string, string>;

  beforeAll(async () => {
    // `npm test` builds first; a lone run of this file builds when the output is missing or stale.
    const built = existsSync(ENTRY) ? statSync(ENTRY).mtimeMs : 0;
    if (built < newestSource(resolve(repoRoot, 'src'))) {
      await execFileAsync(
        process.execPath,
        [resolve(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
        { cwd: repoRoot },
      ).catch((error: { stdout?: string }) => {
        // tsc still emits when files elsewhere have type errors; the entry point must exist.
        if (!existsSync(ENTRY)) throw new Error(`build failed: ${error.stdout ?? String(error)}`);
      });
    }
    expect(existsSync(ENTRY)).toBe(true);

    root = await mkdtemp(join(tmpdir(), 'shard-worker-main-'));
    storage = new FsStorage(root);
    task = testTask({ srcBucket: 'img-src', destBucket: 'img-pub' });
    const sources = await mixedSources();
    await writeShard(storage, task, {
      runId: 'run-1',
      shard: 0,
      shardCount: 2,
      item: 'Folder1',
      sources: sources.slice(0, 2),
    });
    await writeShard(storage, task, { runId: 'run-1', shard: 1, shardCount: 2, item: 'Folder2', sources });
    batchEnv = (childIndex, attempt = 1) => ({
      [JOB_ENV.runId]: 'run-1',
      [JOB_ENV.localRoot]: root,
      [JOB_ENV.attempt]: String(attempt),
      [JOB_ENV.arrayIndex]: String(childIndex),
      VIPS_CONCURRENCY: '1',
    });
  }, 300_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('exits 0 when every image of its shard is published, logging progress as JSON lines', async () => {
    // Act
    const { code, lines } = await runWorker(batchEnv(0));

    // Assess
    expect(code).toBe(ExitCode.Ok);
    const events = lines.filter((line) => line.event === 'shard-start' || line.event === 'image');
    expect(events.map((line) => [line.event, line.shard, line.done, line.total, line.status])).toEqual([
      ['shard-start', 0, undefined, 2, undefined],
      ['image', 0, 1, 2, 'tiled'],
      ['image', 0, 2, 2, 'tiled'],
    ]);
    const result = await new RunStore(storage, LOCAL_STATE).getResult('run-1', 0);
    expect(result?.status).toBe('succeeded');
    for (const image of result?.images ?? []) {
      await checkPublishedService(storage, task.destBucket, image.image?.serviceKey as string);
    }
  });

  it('exits 0 once every outcome is recorded, a failed image included (Batch then runs the assembler)', async () => {
    // Act
    const { code, lines } = await runWorker(batchEnv(1));

    // Assess
    expect(code).toBe(ExitCode.Ok);
    const failed = lines.find((line) => line.event === 'image' && line.status === 'failed');
    expect(failed?.reason).toMatch(/^truncated JPEG: /);
    const result = await new RunStore(storage, LOCAL_STATE).getResult('run-1', 1);
    expect(result?.images.map((image) => image.status)).toEqual(['tiled', 'tiled', 'failed']);
  });

  it('tiles the original shard a resubmitted child stands for, skipping what is published', async () => {
    // Prepare
    await new RunStore(storage, LOCAL_STATE).putAttempt({
      runId: 'run-1',
      attempt: 2,
      createdAt: new Date().toISOString(),
      shards: [1],
      launcher: 'local',
      status: 'launched',
      shardJobId: 'local:run-1:attempt-2:shards',
      assemblerJobId: 'local:run-1:attempt-2:assembler',
    });

    // Act
    const { code } = await runWorker(batchEnv(0, 2));

    // Assess
    expect(code).toBe(ExitCode.Ok);
    const result = await new RunStore(storage, LOCAL_STATE).getResult('run-1', 1);
    expect(result?.attempt).toBe(2);
    expect(result?.images.map((image) => image.status)).toEqual(['skipped', 'skipped', 'failed']);
  });

  it('exits 1 when storage fails (a retry may succeed), recording the image as failed', async () => {
    // Prepare
    const blocked = testTask({ srcBucket: 'img-src', destBucket: 'blocked-pub' });
    await writeFile(join(root, 'blocked-pub'), 'a file where the destination folder should be');
    const sources = (await mixedSources()).slice(0, 1);
    await writeShard(storage, blocked, { runId: 'run-2', shard: 0, shardCount: 1, item: 'Folder3', sources });

    // Act
    const { code } = await runWorker({ ...batchEnv(0), [JOB_ENV.runId]: 'run-2' });

    // Assess
    const result = await new RunStore(storage, LOCAL_STATE).getResult('run-2', 0);
    expect(code, JSON.stringify(result)).toBe(ExitCode.Failed);
    expect(result?.images[0]?.status).toBe('failed');
    expect(result?.images[0]?.reason).toMatch(/^(storage|unexpected) error: .*(ENOTDIR|not a directory)/);
  });

  it('exits 2 on a bad configuration or an unknown run', async () => {
    // Act
    const missing = await runWorker({ [JOB_ENV.localRoot]: root, [JOB_ENV.arrayIndex]: '0' });
    const badIndex = await runWorker({ ...batchEnv(0), [JOB_ENV.arrayIndex]: 'first' });
    const unknownRun = await runWorker({ ...batchEnv(0), [JOB_ENV.runId]: 'no-such-run' });

    // Assess
    expect(missing.code).toBe(ExitCode.Invalid);
    expect(missing.lines.at(-1)?.message).toMatch(/IIIF_BATCH_RUN_ID/);
    expect(badIndex.code).toBe(ExitCode.Invalid);
    expect(unknownRun.code).toBe(ExitCode.Invalid);
    expect(unknownRun.lines.at(-1)?.message).toMatch(/no-such-run/);
  });
});
