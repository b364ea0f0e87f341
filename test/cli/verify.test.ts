import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../src/verify/verify-published.js';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';
import { writeBoxTask } from './helpers/box-task.js';

const json = <T>(text: string): T => JSON.parse(text) as T;

/**
 * `verify` finds a deleted tile, a broken info.json and a manifest naming a missing service; a
 * rerun of the task restores what verify found; `run` itself verifies and says so.
 */
describe('iiif-batch verify (CLI, real files)', () => {
  let root: string;
  let localRoot: string;
  let taskPath: string;
  let runId: string;
  const service = (key: string): string => join(localRoot, 'img-pub', 'pub', 'Box', 'Item1', key);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'verify-'));
    localRoot = join(root, 'data');
    const source = join(localRoot, 'img-src', 'Coll', 'Box', 'Item1', 'p1.jpg');
    await mkdir(dirname(source), { recursive: true });
    await writeFile(
      source,
      await sharp({
        create: {
          width: 700,
          height: 500,
          channels: 3,
          background: '#5a6a75',
          noise: { type: 'gaussian', mean: 120, sigma: 30 },
        },
      })
        .jpeg()
        .toBuffer(),
    );
    taskPath = await writeBoxTask(root, localRoot, 'identifier,title\nItem1,One\n', { TILE_SIZE: '256' });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('run verifies what it published and puts the result in the summary and the report', async () => {
    // Act
    const result = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '1', '--json']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    const summary = json<{ runId: string; report: string; verify: VerifyResult }>(result.stdout);
    runId = summary.runId;
    // 700x500 in tiles of 256: 3x2 + 2x1 + 1 tiles, full/max, 3 sizes (the smallest is a tile), info.json.
    expect(summary.verify).toMatchObject({ status: 'complete', services: 1, documents: 2, problemCount: 0 });
    expect(summary.verify.files).toBeGreaterThanOrEqual(12);
    expect(json<{ verify: VerifyResult }>(await readFile(summary.report, 'utf8')).verify.status).toBe('complete');
    const text = await runCliInProcess(['verify', runId, '--local-root', localRoot]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Verified: 1 image services, \d+ files, 2 manifests and collections/);
    const status = await runCliInProcess(['status', runId, '--local-root', localRoot]);
    expect(status.stdout).toMatch(/\nVerified: 1 image services, \d+ files, 2 manifests and collections/);
  });

  it('finds a deleted tile (exit 1, naming it) by run id and by prefix; a rerun restores it', async () => {
    // Prepare
    await unlink(service('p1/256,256,256,244/256,244/0/default.jpg'));

    // Act
    const byRun = await runCliInProcess(['verify', runId, '--local-root', localRoot, '--json']);
    const byPrefix = await runCliInProcess(['verify', '--prefix', join(localRoot, 'img-pub', 'pub', 'Box')]);
    const byS3Prefix = await runCliInProcess([
      'verify',
      '--prefix',
      's3://img-pub/pub',
      '--local-root',
      localRoot,
      '--json',
    ]);

    // Assess
    expect(byRun.code).toBe(1);
    expect(json<VerifyResult>(byRun.stdout)).toMatchObject({
      status: 'incomplete',
      problemCount: 1,
      problems: [
        {
          kind: 'missing',
          key: 'pub/Box/Item1/p1/256,256,256,244/256,244/0/default.jpg',
          reason: 'named by pub/Box/Item1/p1/info.json',
        },
      ],
      incompleteServices: ['pub/Box/Item1/p1'],
    });
    expect(byPrefix.code).toBe(1);
    expect(byPrefix.stdout).toContain('missing Item1/p1/256,256,256,244/256,244/0/default.jpg: named by');
    expect(byS3Prefix.code).toBe(1);
    expect(json<VerifyResult>(byS3Prefix.stdout).problems).toEqual([
      expect.objectContaining({ key: 'pub/Box/Item1/p1/256,256,256,244/256,244/0/default.jpg' }),
    ]);

    // Act: the task again
    const rerun = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '1', '--json']);

    // Assess
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(json<{ counts: { tiled: number }; verify: VerifyResult }>(rerun.stdout)).toMatchObject({
      counts: { tiled: 1 },
      verify: { status: 'complete' },
    });
    expect((await runCliInProcess(['verify', runId, '--local-root', localRoot])).code).toBe(0);
  });

  it('names an info.json that does not match its tiles, and a manifest that references a missing service', async () => {
    // Prepare
    const infoPath = service('p1/info.json');
    const info = await readFile(infoPath, 'utf8');
    await writeFile(infoPath, info.replace('"height": 500', '"height": 501'));
    const manifestPath = service('manifest.json');
    const manifest = await readFile(manifestPath, 'utf8');
    await writeFile(manifestPath, manifest.replaceAll('/Item1/p1', '/Item1/p9'));

    // Act
    const result = await runCliInProcess([
      'verify',
      '--prefix',
      's3://img-pub/pub/Box',
      '--local-root',
      localRoot,
      '--json',
    ]);

    // Assess
    expect(result.code).toBe(1);
    const found = json<VerifyResult>(result.stdout);
    expect(found.problems).toEqual(
      expect.arrayContaining([
        {
          kind: 'bad',
          key: 'pub/Box/Item1/p1/info.json',
          reason: expect.stringMatching(
            /^info.json "sizes" is .* but a level-0 service of 700x501 with tiles of 256 has/,
          ),
        },
        {
          kind: 'missing',
          key: 'pub/Box/Item1/p9/full/max/0/default.jpg',
          reason: 'referenced by pub/Box/Item1/manifest.json',
        },
        { kind: 'missing', key: 'pub/Box/Item1/p9/info.json', reason: 'no info.json' },
      ]),
    );
    await writeFile(infoPath, info);
    await writeFile(manifestPath, manifest);
  });

  it('refuses bad usage with exit 2', async () => {
    // Act
    const neither = await runCliInProcess(['verify', '--local-root', localRoot]);
    const unknown = await runCliInProcess(['verify', 'no-such-run', '--local-root', localRoot]);

    // Assess
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('Name either a RUN_ID or --prefix');
    expect(unknown.code).toBe(2);
  });
});
