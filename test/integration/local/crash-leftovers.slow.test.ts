import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORK_FOLDER_PREFIX } from '../../../src/shard-worker/run-shard.js';
import { REPO_ROOT, runCli } from '../../helpers/run-cli.js';
import { legacyTaskFile } from '../../helpers/task-file.js';
import { photoRaw } from '../../shard-worker/helpers/fixtures.js';

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** The pid in a shard worker's working folder name (`iiif-batch-work-{host}-{pid}-{start}-…`). */
function workerPid(folder: string): number {
  return Number(folder.slice(WORK_FOLDER_PREFIX.length).split('-')[1]);
}

describe('A shard worker killed mid-image (SIGKILL)', () => {
  let root: string;
  let localRoot: string;
  let workTemp: string;
  let taskPath: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'crash-leftovers-'));
    localRoot = join(root, 'data');
    workTemp = join(root, 'os-temp');
    await mkdir(workTemp);
    for (let page = 1; page <= 6; page++) {
      const path = join(localRoot, 'img-src', 'Coll', 'Item1', `p${page}.tif`);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await (await photoRaw(2400, 1800, 48)).tiff({ compression: 'lzw' }).toBuffer());
    }
    await mkdir(join(localRoot, 'img-src', 'metadata'), { recursive: true });
    await writeFile(join(localRoot, 'img-src', 'metadata', 'c.csv'), 'identifier,title\nItem1,One item\n');
    taskPath = join(root, 'task.json');
    await writeFile(
      taskPath,
      JSON.stringify(
        legacyTaskFile({
          COLLECTION_IDENTIFIER: 'C',
          ACCESS_DIR: 'Coll',
          DEST_PREFIX: 'pub',
          CSV_NAME: 'c.csv',
          TILE_SIZE: '256',
        }),
      ),
    );
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is run again as Batch would, leaves no temporary file in the published tree, and its working folder is removed', async () => {
    // Prepare: a run with one worker; kill it once it works on an image (its working folder then
    // holds a folder for the image in hand) and some tiles are published.
    const env = { TMPDIR: workTemp };
    const run = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'iiif-batch.js'), 'run', taskPath, '--local-root', localRoot, '--workers', '1', '--json'],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const runExit = new Promise<number>((resolve) => run.once('close', (code) => resolve(code ?? -1)));
    const published = join(localRoot, 'img-pub', 'pub', 'C');
    let killed: { folder: string; pid: number } | undefined;
    while (killed === undefined) {
      const folders = (await readdir(workTemp)).filter((name) => name.startsWith(WORK_FOLDER_PREFIX));
      const folder = folders[0];
      const inHand = folder === undefined ? [] : await readdir(join(workTemp, folder)).catch(() => []);
      const tiles = (await filesUnder(published)).filter((file) => file.endsWith('default.jpg'));
      if (folder !== undefined && inHand.length > 0 && tiles.length > 0) {
        killed = { folder, pid: workerPid(folder) };
        process.kill(killed.pid, 'SIGKILL');
      } else {
        if (run.exitCode !== null) throw new Error('the run ended before its worker could be killed');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    // Act: the launcher runs the killed shard again (its next attempt removes the dead one's
    // folder); then the task is run once more.
    const firstCode = await runExit;
    const afterFirst = await readdir(workTemp);
    const rerun = await runCli(['run', taskPath, '--local-root', localRoot, '--workers', '1', '--json'], { env });

    // Assess: both runs complete, and nothing temporary is in the published tree.
    expect(firstCode).toBe(0);
    expect(afterFirst).toEqual([]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout).counts).toMatchObject({ tiled: 0, skipped: 6, failed: 0 });
    const tree = await filesUnder(join(localRoot, 'img-pub'));
    expect(tree.filter((file) => /tmp/i.test(file))).toEqual([]);
    // Every image is complete: six info.json files, each with its full/max.
    for (let page = 1; page <= 6; page++) {
      expect(tree).toContain(`pub/C/Item1/p${page}/info.json`);
      expect(tree).toContain(`pub/C/Item1/p${page}/full/max/0/default.jpg`);
    }
    // The dead worker's working folder is gone; so is every other working file.
    expect(existsSync(join(workTemp, killed.folder))).toBe(false);
    expect(await readdir(workTemp)).toEqual([]);
    expect(await filesUnder(join(localRoot, '_iiif-batch', 'tmp'))).toEqual([]);
  });
});
