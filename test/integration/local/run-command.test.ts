import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';
import { runCliInProcess } from '../../helpers/run-cli-in-process.js';
import { legacyTaskFile } from '../../helpers/task-file.js';
import { writeBox1Collection } from './helpers/box1-collection.js';

/**
 * One run of a collection with good and bad files through the installed command, as the quick
 * end-to-end check of the fast tier, and the task files and flags it refuses. Reruns, `resubmit` and
 * the terminal output are in run-command-again.slow.test.ts.
 */
describe('Command: iiif-batch run (embedded pipeline, end to end)', () => {
  let root: string;
  let localRoot: string;
  let taskPath: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'run-command-'));
    localRoot = join(root, 'data');
    taskPath = await writeBox1Collection(root, localRoot);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('publishes every good image, names each bad one with its reason, holds back the manifest of its item, and exits 1', async () => {
    // Act: the installed command as a process of its own, which must end when the run has.
    const result = await runCli(['run', taskPath, '--local-root', localRoot, '--workers', '2', '--json']);

    // Assess: the exit status and the machine-readable summary.
    expect(result.code, result.stderr).toBe(1);
    const summary = JSON.parse(result.stdout) as {
      runId: string;
      status: string;
      counts: Record<string, number>;
      failures: { sourceKey: string; reason: string }[];
      incompleteItems: { item: string; reason: string; keptManifest: boolean }[];
      report: string;
    };
    expect(summary.status).toBe('failed');
    expect(summary.counts).toMatchObject({ items: 2, images: 8, tiled: 4, failed: 4, ignored: 1, manifests: 1 });
    const reasons = Object.fromEntries(
      summary.failures.map((failure) => [failure.sourceKey.split('/').pop(), failure.reason]),
    );
    expect(Object.keys(reasons).sort()).toEqual(['cut.tif', 'empty.jpg', 'text.jpg', 'truncated.jpg']);
    expect(reasons['cut.tif']).toMatch(/^truncated TIFF: the file has [\d,]+ bytes but its image data runs to byte /);
    for (const reason of Object.values(reasons)) expect(String(reason).length).toBeGreaterThan(10);
    expect(existsSync(summary.report)).toBe(true);
    expect(summary.incompleteItems).toEqual([
      { item: 'Folder2', reason: expect.stringMatching(/^4 of 5 images not published: /), keptManifest: false },
    ]);

    // Assess: what is published.
    const pub = join(localRoot, 'img-pub', 'pub', 'Box1');
    const collection = JSON.parse(await readFile(join(pub, 'collection.json'), 'utf8')) as { items: { id: string }[] };
    expect(collection.items.map((item) => item.id)).toEqual([
      'https://iiif.example.org/pub/Box1/Folder1/manifest.json',
    ]);
    const folder1 = JSON.parse(await readFile(join(pub, 'Folder1', 'manifest.json'), 'utf8')) as { items: unknown[] };
    expect(folder1.items).toHaveLength(3);
    // A manifest without its failed pages would look complete: Folder2 gets none until it is fixed.
    expect(existsSync(join(pub, 'Folder2', 'manifest.json'))).toBe(false);
    for (const image of ['Folder1/page1', 'Folder1/page2', 'Folder1/page10', 'Folder2/a']) {
      const info = JSON.parse(await readFile(join(pub, image, 'info.json'), 'utf8')) as { id: string; width: number };
      expect(info.id).toBe(`https://iiif.example.org/pub/Box1/${image}`);
      expect(existsSync(join(pub, image, 'full', 'max', '0', 'default.jpg'))).toBe(true);
    }
    for (const bad of ['truncated', 'empty', 'text', 'cut']) expect(existsSync(join(pub, 'Folder2', bad))).toBe(false);
  });

  it('exits 2 and publishes nothing for an invalid task file', async () => {
    // Prepare
    const bad = join(root, 'bad-task.json');
    await writeFile(bad, JSON.stringify(legacyTaskFile({ DEST_URL: 'not a url', ACCESS_DIR: 'Coll/Box1' })));

    // Act
    const result = await runCliInProcess(['run', bad, '--local-root', join(root, 'other'), '--json']);

    // Assess
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ exitCode: 2, name: 'TaskFileError' });
    expect(JSON.parse(result.stdout).error).toMatch(/DEST_URL\) to be an absolute http\(s\) URL/);
    expect(existsSync(join(root, 'other'))).toBe(false);
  });

  it('exits 2 for bad flags and a missing task file', async () => {
    // Act
    const noWorkers = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '0']);
    const missing = await runCliInProcess(['run', join(root, 'missing.json'), '--local-root', localRoot]);
    const unknown = await runCliInProcess(['frobnicate']);

    // Assess
    expect(noWorkers.code).toBe(2);
    expect(noWorkers.stderr).toMatch(/Expected integer between 1 and 256 for --workers but received 0/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read task file .*missing\.json: no such file/);
    expect(unknown.code).toBe(2);
  });

  it('exits 2 when ACCESS_DIR holds no images', async () => {
    // Prepare
    const empty = join(root, 'empty-task.json');
    await writeFile(empty, JSON.stringify(legacyTaskFile({ ACCESS_DIR: 'Nothing/Here', CSV_NAME: 'box1.csv' })));

    // Act
    const result = await runCliInProcess(['run', empty, '--local-root', localRoot]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/No images under .*Nothing\/Here/);
  });
});
