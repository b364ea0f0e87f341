import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../../helpers/run-cli.js';
import { legacyTaskFile } from '../../helpers/task-file.js';
import { allViewerRequests } from '../../iiif/image-api/helpers/openseadragon-requests.js';
import { photoRaw } from '../../shard-worker/helpers/fixtures.js';

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/**
 * Two `iiif-batch run` processes on one collection at once, with other tile sizes (issue 10: each
 * run's clean-up of stale files deleted the other's tiles, both exited 0, and reruns skipped the
 * broken images). With the collection's lease, one runs and the other is refused with exit 2
 * naming it; afterwards every URL each published info.json implies exists.
 */
describe('Two runs of one collection at once', () => {
  let root: string;
  let localRoot: string;
  const taskPath = (name: string): string => join(root, `${name}.json`);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'overlapping-runs-'));
    localRoot = join(root, 'data');
    for (const [item, pages] of [
      ['Item1', 4],
      ['Item2', 4],
    ] as const) {
      for (let page = 1; page <= pages; page++) {
        const path = join(localRoot, 'img-src', 'Coll', item, `p${page}.jpg`);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, await (await photoRaw(2600, 1900, 40)).jpeg().toBuffer());
      }
    }
    await mkdir(join(localRoot, 'img-src', 'metadata'), { recursive: true });
    await writeFile(join(localRoot, 'img-src', 'metadata', 'c.csv'), 'identifier,title\nItem1,One\nItem2,Two\n');
    for (const [name, tileSize] of [
      ['first', '512'],
      ['small', '256'],
      ['large', '1024'],
    ] as const) {
      const document = legacyTaskFile(
        { COLLECTION_IDENTIFIER: 'C', ACCESS_DIR: 'Coll', DEST_PREFIX: 'pub', CSV_NAME: 'c.csv', TILE_SIZE: tileSize },
        { jobName: `Tiles-${tileSize}` },
      );
      await writeFile(taskPath(name), JSON.stringify(document));
    }
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const run = (name: string): Promise<CliResult> =>
    runCli(['run', taskPath(name), '--local-root', localRoot, '--workers', '2', '--json']);

  /** Paths of every published file a viewer derives from some info.json that do not exist. */
  async function missingUrls(): Promise<string[]> {
    const published = join(localRoot, 'img-pub', 'pub', 'C');
    const files = new Set(await filesUnder(published));
    const missing: string[] = [];
    for (const file of files) {
      if (!file.endsWith('/info.json')) continue;
      const service = file.slice(0, -'/info.json'.length);
      const info = JSON.parse(await readFile(join(published, file), 'utf8'));
      for (const path of allViewerRequests(info).keys()) {
        if (!files.has(`${service}/${path}`)) missing.push(`${service}/${path}`);
      }
    }
    return missing;
  }

  it('runs one of them and refuses the other with exit 2 naming it; every URL of every info.json exists', async () => {
    // Prepare: the collection is published once (tiles of 512), so both runs would republish it
    // and clean up the files of other tile sizes.
    const first = await run('first');
    expect(first.code, first.stderr).toBe(0);

    // Act: both at once.
    const [small, large] = await Promise.all([run('small'), run('large')]);

    // Assess
    const results = [
      { name: 'small', result: small },
      { name: 'large', result: large },
    ];
    const ran = results.filter(({ result }) => result.code === 0);
    const refused = results.filter(({ result }) => result.code === 2);
    expect(
      results.map(({ result }) => result.code),
      [small, large].map((result) => `${result.stdout.slice(0, 600)}${result.stderr.slice(-600)}`).join('\n'),
    ).toEqual(expect.arrayContaining([0, 2]));
    expect(ran).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const winner = JSON.parse(ran[0]?.result.stdout ?? '{}') as { runId: string; counts: { tiled: number } };
    const refusal = JSON.parse(refused[0]?.result.stdout ?? '{}') as { error: string; name: string; exitCode: number };
    expect(winner.counts.tiled).toBe(8);
    expect(refusal).toMatchObject({ name: 'LeaseHeldError', exitCode: 2 });
    expect(refusal.error).toContain(`Collection img-pub/pub/C is being published by run ${winner.runId}`);
    expect(refusal.error).toContain(`iiif-batch status ${winner.runId}`);
    expect(await missingUrls()).toEqual([]);

    // Act: the refused task once the other has finished.
    const again = await run(refused[0]?.name ?? '');

    // Assess: it takes the released lease, republishes at its tile size, and nothing is missing.
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).counts).toMatchObject({ tiled: 8, failed: 0 });
    expect(JSON.parse(again.stdout).warnings).toEqual([]);
    expect(await missingUrls()).toEqual([]);
  });
});
