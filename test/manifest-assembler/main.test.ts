import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENTRY_POINTS, JOB_ENV } from '../../src/config.js';
import { ExitCode } from '../../src/exit-codes.js';
import { LOCAL_STATE_BUCKET, type RunReport } from '../../src/run/run-records.js';
import { RunStore } from '../../src/run/run-store.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { collectionKey, type Task } from '../../src/task/task.js';
import { testTask } from '../helpers/test-task.js';
import {
  manifestoCollectionView,
  manifestoView,
  repoRoot,
  schemaErrors,
} from '../iiif/presentation/helpers/presentation-judges.js';
import { failedResult, plannedItems, publishedResult, writeRun } from './helpers/run-fixture.js';

const run = promisify(execFile);
const ENTRY = resolve(repoRoot, ENTRY_POINTS.assembler);

/** Newest modification time of the TypeScript sources the entry point is built from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Run the compiled entry point as a Batch job would, with only the job's environment. */
async function runAssembler(env: Record<string, string>): Promise<{ code: number; stderr: string; stdout: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [ENTRY], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('manifest-assembler main (compiled entry point)', () => {
  let root: string;
  let storage: FsStorage;
  let runStore: RunStore;
  let task: Task;

  beforeAll(async () => {
    // `npm test` builds first; a lone run of this file builds when the output is missing or stale.
    const built = existsSync(ENTRY) ? statSync(ENTRY).mtimeMs : 0;
    if (built < newestSource(resolve(repoRoot, 'src'))) {
      await run(process.execPath, [resolve(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
        cwd: repoRoot,
      }).catch((error: { stdout?: string }) => {
        // tsc still emits when files elsewhere have type errors; the entry point must exist.
        if (!existsSync(ENTRY)) throw new Error(`build failed: ${error.stdout ?? String(error)}`);
      });
    }
    expect(existsSync(ENTRY)).toBe(true);
  }, 300_000);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'iiif-assembler-main-'));
    storage = new FsStorage(root);
    runStore = new RunStore(storage, { bucket: LOCAL_STATE_BUCKET, prefix: '' });
    task = testTask({ collectionId: 'Box2', destPrefix: 'iawa', destUrl: 'http://127.0.0.1:8080' });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const readDest = async (key: string): Promise<unknown> =>
    JSON.parse(await readFile(join(root, task.destBucket, ...key.split('/')), 'utf8'));

  it('publishes the manifests and the collection and exits 0 when every image is published', async () => {
    // Prepare
    const items = plannedItems(task, { Folder1: ['p2.tif', 'p10.tif'], Folder2: ['a.jpg'] });
    const [one, two] = items;
    if (one === undefined || two === undefined) throw new Error('fixture');
    await writeRun(runStore, {
      runId: 'run-ok',
      task,
      items,
      shards: [
        [publishedResult(task, one, 'p10.tif'), publishedResult(task, one, 'p2.tif')],
        [publishedResult(task, two, 'a.jpg')],
      ],
    });
    await storage.put(
      task.srcBucket,
      `${task.csvPath}/${task.csvName}`,
      '\uFEFFIdentifier,Title\nFolder1,First\nFolder2,Second\n',
    );

    // Act
    const result = await runAssembler({ [JOB_ENV.runId]: 'run-ok', [JOB_ENV.localRoot]: root });

    // Assess
    expect(result.code).toBe(ExitCode.Ok);
    const manifest = await readDest('iawa/Box2/Folder1/manifest.json');
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifestoView(manifest)).toMatchObject({ label: 'First' });
    expect(manifestoView(manifest).canvases.map((canvas) => canvas.label)).toEqual(['p2', 'p10']);
    const collection = await readDest('iawa/Box2/collection.json');
    expect(schemaErrors(collection)).toEqual([]);
    expect(manifestoCollectionView(collection).manifests).toEqual([
      'http://127.0.0.1:8080/iawa/Box2/Folder1/manifest.json',
      'http://127.0.0.1:8080/iawa/Box2/Folder2/manifest.json',
    ]);
    const report = (await runStore.getReport('run-ok')) as RunReport;
    expect(report.status).toBe('succeeded');
    expect(report.counts.manifests).toBe(2);
    expect(logLines(result.stderr)).toContainEqual(
      expect.objectContaining({ level: 'info', message: 'run assembled', runId: 'run-ok', status: 'succeeded' }),
    );
  });

  it('exits 0 once the report is written although images failed (no Batch retry); the item gets no manifest', async () => {
    // Prepare
    const items = plannedItems(task, { Folder1: ['p1.tif', 'p2.tif'], Folder2: ['p1.tif'] });
    const [one, two] = items;
    if (one === undefined || two === undefined) throw new Error('fixture');
    await writeRun(runStore, {
      runId: 'run-failed',
      task,
      items,
      shards: [
        [publishedResult(task, one, 'p1.tif'), failedResult(one, 'p2.tif', 'truncated JPEG')],
        [publishedResult(task, two, 'p1.tif')],
      ],
    });
    await storage.put(task.srcBucket, `${task.csvPath}/${task.csvName}`, 'identifier,title\nFolder1,First\n');

    // Act
    const result = await runAssembler({ [JOB_ENV.runId]: 'run-failed', [JOB_ENV.localRoot]: root });

    // Assess
    expect(result.code).toBe(ExitCode.Ok);
    expect(existsSync(join(root, task.destBucket, 'iawa/Box2/Folder1/manifest.json'))).toBe(false);
    expect(manifestoView(await readDest('iawa/Box2/Folder2/manifest.json')).canvases).toHaveLength(1);
    const report = (await runStore.getReport('run-failed')) as RunReport;
    expect(report.status).toBe('failed');
    expect(report.incompleteItems).toEqual([
      { item: 'Folder1', reason: '1 of 2 images not published: p2.tif: truncated JPEG', keptManifest: false },
    ]);
    expect(report.failures).toEqual([
      { item: 'Folder1', sourceKey: `${task.accessDir}/Folder1/p2.tif`, reason: 'truncated JPEG' },
    ]);
  });

  it('exits 2 on a bad CSV, writing no manifest and logging the CSV error', async () => {
    // Prepare
    const items = plannedItems(task, { Folder1: ['p1.tif'] });
    const [one] = items;
    if (one === undefined) throw new Error('fixture');
    await writeRun(runStore, { runId: 'run-bad-csv', task, items, shards: [[publishedResult(task, one, 'p1.tif')]] });
    await storage.put(task.srcBucket, `${task.csvPath}/${task.csvName}`, 'name,title\nFolder1,First\n');

    // Act
    const result = await runAssembler({ [JOB_ENV.runId]: 'run-bad-csv', [JOB_ENV.localRoot]: root });

    // Assess
    expect(result.code).toBe(ExitCode.Invalid);
    // Only what the shard workers published is there: no manifest, no collection.
    expect(existsSync(join(root, task.destBucket, collectionKey(task), 'collection.json'))).toBe(false);
    expect(existsSync(join(root, task.destBucket, collectionKey(task), 'Folder1', 'manifest.json'))).toBe(false);
    const errors = logLines(result.stderr).filter((line) => line.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('no identifier column'),
        error: expect.objectContaining({ name: 'CsvError' }),
      }),
    ]);
  });

  it('exits 2 naming the variable when the run id is missing', async () => {
    // Act
    const result = await runAssembler({ [JOB_ENV.localRoot]: root });

    // Assess
    expect(result.code).toBe(ExitCode.Invalid);
    expect(result.stderr).toContain(`Missing environment variable ${JOB_ENV.runId}`);
  });
});
