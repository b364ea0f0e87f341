import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photo } from '../../helpers/photo.js';
import { runCli } from '../../helpers/run-cli.js';
import { runCliInProcess } from '../../helpers/run-cli-in-process.js';
import { legacyTaskFile } from '../../helpers/task-file.js';
import { tiffDirectoryFirst } from '../../shard-worker/helpers/tiff-directory-first.js';

describe('Command: iiif-batch run (embedded pipeline, end to end)', () => {
  let root: string;
  let localRoot: string;
  let taskPath: string;
  let rerunId = '';

  const write = async (key: string, body: Buffer | string): Promise<void> => {
    const path = join(localRoot, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'run-command-'));
    localRoot = join(root, 'data');
    const good = await (await photo(1200, 900)).jpeg().toBuffer();
    await write('img-src/Coll/Box1/Folder1/page1.jpg', good);
    await write('img-src/Coll/Box1/Folder1/page10.png', await (await photo(300, 200)).png().toBuffer());
    await write(
      'img-src/Coll/Box1/Folder1/page2.tif',
      await (await photo(700, 1100)).tiff({ compression: 'lzw' }).toBuffer(),
    );
    await write('img-src/Coll/Box1/Folder1/notes.txt', 'not an image');
    await write('img-src/Coll/Box1/Folder2/Access/a.jpg', good);
    await write('img-src/Coll/Box1/Folder2/Access/truncated.jpg', good.subarray(0, Math.floor(good.length / 2)));
    await write('img-src/Coll/Box1/Folder2/Access/empty.jpg', Buffer.alloc(0));
    // An uncompressed master cut short by a failed copy, directory first: libvips alone only warns.
    const master = tiffDirectoryFirst(await (await photo(800, 600)).tiff({ compression: 'none' }).toBuffer());
    await write('img-src/Coll/Box1/Folder2/Access/cut.tif', master.subarray(0, Math.floor(master.length / 2)));
    await write('img-src/Coll/Box1/Folder2/Access/text.jpg', 'this is a text file, not a JPEG\n');
    await write(
      'img-src/metadata/box1.csv',
      'identifier,title,description,creator\nFolder1,First folder,Three pages,Someone\nFolder2,Second folder,,Someone else\n',
    );
    taskPath = join(root, 'task.json');
    await writeFile(
      taskPath,
      JSON.stringify(
        legacyTaskFile({
          COLLECTION_IDENTIFIER: 'Box1',
          ACCESS_DIR: 'Coll/Box1',
          DEST_PREFIX: 'pub',
          DEST_URL: 'https://iiif.example.org',
          CSV_NAME: 'box1.csv',
          TILE_SIZE: '256',
        }),
      ),
    );
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('publishes every good image, names each bad one with its reason, holds back the manifest of its item, and exits 1', async () => {
    // Act
    const result = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '2', '--json']);

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

  it('skips everything already published on a rerun, still exits 1 for the bad files', async () => {
    // Act
    const result = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '2', '--json']);

    // Assess
    expect(result.code, result.stderr).toBe(1);
    const summary = JSON.parse(result.stdout) as { runId: string; counts: Record<string, number> };
    expect(summary.counts).toMatchObject({ tiled: 0, skipped: 4, failed: 4, manifests: 1 });
    rerunId = summary.runId;
  });

  it('completes the held-back item with resubmit once its files are fixed', async () => {
    // Prepare: good files in place of the bad ones.
    const good = await (await photo(500, 400)).jpeg().toBuffer();
    for (const file of ['truncated.jpg', 'empty.jpg', 'text.jpg']) {
      await write(`img-src/Coll/Box1/Folder2/Access/${file}`, good);
    }
    await write('img-src/Coll/Box1/Folder2/Access/cut.tif', await (await photo(500, 400)).tiff().toBuffer());

    // Act
    const result = await runCliInProcess(['resubmit', rerunId, '--local-root', localRoot, '--json']);

    // Assess
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const pub = join(localRoot, 'img-pub', 'pub', 'Box1');
    const folder2 = JSON.parse(await readFile(join(pub, 'Folder2', 'manifest.json'), 'utf8')) as { items: unknown[] };
    expect(folder2.items).toHaveLength(5);
    const collection = JSON.parse(await readFile(join(pub, 'collection.json'), 'utf8')) as { items: { id: string }[] };
    expect(collection.items).toHaveLength(2);
  });

  it('prints progress and a summary table for a person', async () => {
    // Prepare: a clean collection with good images only.
    await rm(join(localRoot, 'img-src', 'Coll', 'Box1', 'Folder2'), { recursive: true });
    await rm(join(localRoot, 'img-pub'), { recursive: true });
    // Without the published tree its resume markers are wrong too (verify would find the files missing).
    await rm(join(localRoot, '_iiif-batch', 'published'), { recursive: true, force: true });

    // Act: the installed command as a process of its own, which must end when the run has.
    const result = await runCli(['run', taskPath, '--local-root', localRoot, '--workers', '2']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/3 images in 1 items \(1 other files ignored\)/);
    expect(result.stdout).toMatch(/Run Ms2016_012-Box2-\S+: succeeded/);
    expect(result.stdout).toMatch(/items\s+images\s+tiled\s+skipped\s+failed\s+ignored\s+manifests/);
    expect(result.stdout).toMatch(/Collection: .*collection\.json/);
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
