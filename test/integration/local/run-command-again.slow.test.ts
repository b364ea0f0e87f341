import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photo } from '../../helpers/photo.js';
import { runCli } from '../../helpers/run-cli.js';
import { runCliInProcess } from '../../helpers/run-cli-in-process.js';
import { writeBox1Collection, writeUnder } from './helpers/box1-collection.js';

/**
 * After a first run of the collection of run-command.test.ts (4 bad files): a rerun skips what is
 * published, `resubmit` completes the held-back item once its files are fixed, and a person gets
 * progress and a summary table. Several runs with their worker processes: the slow tier.
 */
describe('Command: iiif-batch run again (reruns, resubmit, the terminal; end to end)', () => {
  let root: string;
  let localRoot: string;
  let taskPath: string;
  let rerunId = '';

  const write = (key: string, body: Buffer | string): Promise<void> => writeUnder(localRoot, key, body);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'run-command-again-'));
    localRoot = join(root, 'data');
    taskPath = await writeBox1Collection(root, localRoot);
    const first = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '2', '--json']);
    if (first.code !== 1) throw new Error(`the first run should fail the 4 bad files (exit 1): ${first.stderr}`);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
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

    // Act: the installed command as a process of its own.
    const result = await runCli(['run', taskPath, '--local-root', localRoot, '--workers', '2']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/3 images in 1 items \(1 other files ignored\)/);
    expect(result.stdout).toMatch(/Run Ms2016_012-Box2-\S+: succeeded/);
    expect(result.stdout).toMatch(/items\s+images\s+tiled\s+skipped\s+failed\s+ignored\s+manifests/);
    expect(result.stdout).toMatch(/Collection: .*collection\.json/);
  });
});
