import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photo } from '../helpers/photo.js';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';
import { legacyTaskFile } from '../helpers/task-file.js';

/** A noisy test photograph (JPEG), so tiling does real work. */
async function photoJpeg(width: number, height: number): Promise<Buffer> {
  return (await photo(width, height)).jpeg().toBuffer();
}

const json = <T>(text: string): T => JSON.parse(text) as T;

/**
 * The operator commands against a local root, end to end through the command line (run in the test's
 * process; the shard workers and the assembler are child processes, as always): a run where one
 * page is corrupt fails only that page; after the file is fixed, `resubmit` redoes only its shard
 * and the manifest holds every page in order.
 */
describe('Operator CLI on a local root (end to end)', () => {
  let root: string;
  let localRoot: string;
  let taskPath: string;
  let runId: string;
  const pages = { page1: [640, 480], page2: [500, 700], page10: [900, 600] } as const;
  const source = (key: string): string => join(localRoot, 'img-src', 'Coll', 'Box7', key);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cli-local-'));
    localRoot = join(root, 'data');
    const write = async (path: string, body: Buffer | string): Promise<void> => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
    };
    for (const [name, [width, height]] of Object.entries(pages)) {
      await write(source(`Folder1/Access/${name}.jpg`), await photoJpeg(width, height));
    }
    // The corrupt page: a JPEG cut in half.
    const good = await photoJpeg(pages.page2[0], pages.page2[1]);
    await write(source('Folder1/Access/page2.jpg'), good.subarray(0, Math.floor(good.length / 2)));
    await write(source('Folder2/a.jpg'), await photoJpeg(300, 300));
    await write(source('Folder2/b.jpg'), await photoJpeg(320, 240));
    await write(
      join(localRoot, 'img-src', 'metadata', 'box7.csv'),
      'identifier,title\nFolder1,First folder\nFolder2,Second folder\n',
    );
    taskPath = join(root, 'box7.json');
    await writeFile(
      taskPath,
      JSON.stringify(
        legacyTaskFile(
          {
            COLLECTION_IDENTIFIER: 'Box7',
            ACCESS_DIR: 'Coll/Box7',
            DEST_PREFIX: 'pub',
            DEST_URL: 'https://iiif.example.org',
            CSV_NAME: 'box7.csv',
            TILE_SIZE: '256',
          },
          { jobName: 'Box7' },
        ),
      ),
    );
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('run: fails only the corrupt page (exit 1)', async () => {
    // Act
    const result = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '2', '--json']);

    // Assess
    expect(result.code, result.stderr).toBe(1);
    const summary = json<{ runId: string; failures: { sourceKey: string }[]; counts: { tiled: number } }>(
      result.stdout,
    );
    runId = summary.runId;
    expect(summary.failures.map((failure) => failure.sourceKey)).toEqual(['Coll/Box7/Folder1/Access/page2.jpg']);
    expect(summary.counts.tiled).toBe(4);
    expect(existsSync(join(localRoot, 'img-pub', 'pub', 'Box7', 'Folder1', 'page10', 'info.json'))).toBe(true);
    expect(existsSync(join(localRoot, 'img-pub', 'pub', 'Box7', 'Folder1', 'page2', 'info.json'))).toBe(false);
  });

  it('status: names the failed page and shard (exit 1)', async () => {
    // Act
    const result = await runCliInProcess(['status', runId, '--local-root', localRoot, '--json']);
    const text = await runCliInProcess(['status', runId, '--local-root', localRoot]);

    // Assess
    expect(result.code, result.stderr).toBe(1);
    const status = json<{
      state: string;
      shards: { total: number; failed: number; succeeded: number; list: { shard: number; state: string }[] };
      images: Record<string, number>;
      failures: { sourceKey: string; reason: string }[];
      assembler: { state: string };
      report: { manifests: number };
    }>(result.stdout);
    expect(status.state).toBe('failed');
    expect(status.shards.failed).toBe(1);
    expect(status.shards.succeeded).toBe(status.shards.total - 1);
    expect(status.images).toMatchObject({ total: 5, tiled: 4, failed: 1, unreported: 0 });
    expect(status.failures).toEqual([
      { item: 'Folder1', sourceKey: 'Coll/Box7/Folder1/Access/page2.jpg', reason: expect.any(String) },
    ]);
    expect(status.assembler.state).toBe('succeeded');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('Coll/Box7/Folder1/Access/page2.jpg');
    expect(text.stdout).toContain(`Next: iiif-batch resubmit ${runId}`);
  });

  it('resubmit --dry-run: shows the failed shard and changes nothing', async () => {
    // Act
    const result = await runCliInProcess(['resubmit', runId, '--local-root', localRoot, '--dry-run', '--json']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    const outcome = json<{ status: string; attempt: number; shards: number[] }>(result.stdout);
    expect(outcome).toMatchObject({ status: 'dry-run', attempt: 2 });
    expect(outcome.shards).toHaveLength(1);
    expect(existsSync(join(localRoot, '_iiif-batch', 'runs', runId, 'attempts', '00002.json'))).toBe(false);
  });

  it('resubmit: after the file is fixed, publishes every page in order (exit 0)', async () => {
    // Prepare: replace the corrupt page with a good image.
    await writeFile(source('Folder1/Access/page2.jpg'), await photoJpeg(pages.page2[0], pages.page2[1]));

    // Act
    const result = await runCliInProcess(['resubmit', runId, '--local-root', localRoot, '--workers', '2', '--json']);

    // Assess: only the failed shard ran again; its good pages were skipped.
    expect(result.code, result.stderr).toBe(0);
    const outcome = json<{
      status: string;
      shards: number[];
      summary: { status: string; counts: Record<string, number> };
    }>(result.stdout);
    expect(outcome.status).toBe('launched');
    expect(outcome.summary.status).toBe('succeeded');
    expect(outcome.summary.counts).toMatchObject({ failed: 0, manifests: 2 });
    const attempt = json<{ shards: number[] }>(
      await readFile(join(localRoot, '_iiif-batch', 'runs', runId, 'attempts', '00002.json'), 'utf8'),
    );
    expect(attempt.shards).toEqual(outcome.shards);
    const manifest = json<{ items: { label: { none: string[] }; width: number; height: number }[] }>(
      await readFile(join(localRoot, 'img-pub', 'pub', 'Box7', 'Folder1', 'manifest.json'), 'utf8'),
    );
    expect(manifest.items.map((canvas) => [canvas.label.none[0], canvas.width, canvas.height])).toEqual([
      ['page1', 640, 480],
      ['page2', 500, 700],
      ['page10', 900, 600],
    ]);
  });

  it('status: the run has succeeded (exit 0)', async () => {
    // Act
    const result = await runCliInProcess(['status', runId, '--local-root', localRoot, '--json']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(json<{ state: string; attempts: unknown[] }>(result.stdout)).toMatchObject({ state: 'succeeded' });
  });

  it('resubmit: nothing left to do (exit 0)', async () => {
    // Act
    const result = await runCliInProcess(['resubmit', runId, '--local-root', localRoot]);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Nothing to resubmit');
  });

  it('assemble: rebuilds the manifests from the results after a CSV fix (exit 0)', async () => {
    // Prepare: a corrected title.
    await writeFile(
      join(localRoot, 'img-src', 'metadata', 'box7.csv'),
      'identifier,title\nFolder1,First folder (corrected)\nFolder2,Second folder\n',
    );
    const infoBefore = await readFile(
      join(localRoot, 'img-pub', 'pub', 'Box7', 'Folder1', 'page1', 'info.json'),
      'utf8',
    );

    // Act
    const result = await runCliInProcess(['assemble', runId, '--local-root', localRoot, '--json']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(json<{ attempt: number; summary: { status: string } }>(result.stdout)).toMatchObject({
      attempt: 3,
      summary: { status: 'succeeded' },
    });
    const manifest = json<{ label: Record<string, string[]> }>(
      await readFile(join(localRoot, 'img-pub', 'pub', 'Box7', 'Folder1', 'manifest.json'), 'utf8'),
    );
    expect(Object.values(manifest.label).flat()).toContain('First folder (corrected)');
    expect(await readFile(join(localRoot, 'img-pub', 'pub', 'Box7', 'Folder1', 'page1', 'info.json'), 'utf8')).toBe(
      infoBefore,
    );
    const attempt = json<{ shards: number[]; status: string }>(
      await readFile(join(localRoot, '_iiif-batch', 'runs', runId, 'attempts', '00003.json'), 'utf8'),
    );
    expect(attempt).toMatchObject({ shards: [], status: 'launched' });
  });

  it('submit --local-root: runs a task file once under its deterministic id', async () => {
    // Act: the same file twice.
    const first = await runCliInProcess(['submit', taskPath, '--local-root', localRoot, '--workers', '2', '--json']);
    const second = await runCliInProcess(['submit', taskPath, '--local-root', localRoot, '--json']);

    // Assess: the first run skipped every image already published; the second is a duplicate.
    expect(first.code, first.stderr).toBe(0);
    const run = json<{ runId: string; task: string; status: string; counts: Record<string, number> }>(first.stdout);
    expect(run.runId).toMatch(/^Box7-[0-9a-f]{12}$/);
    expect(run.task).toBe(join(localRoot, '_iiif-batch', 'tasks', 'box7.json'));
    expect(run.counts).toMatchObject({ images: 5, skipped: 5, failed: 0 });
    expect(second.code, second.stderr).toBe(0);
    expect(json<{ runId: string; duplicate: boolean }>(second.stdout)).toMatchObject({
      runId: run.runId,
      duplicate: true,
    });
  });
});
