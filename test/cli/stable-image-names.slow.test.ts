import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';
import { writeBoxTask } from './helpers/box-task.js';

async function picture(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#6a7a55' } })
    .png()
    .toBuffer();
}

/**
 * An image keeps the name it was first published under: `p1.tif` added beside a published `p1.jpg`
 * becomes `p1_tif`, and `p1` (its URLs, every citation of them) stays `p1.jpg`'s. The assignment is
 * recorded in the state location.
 */
describe('Stable image names (two runs through the CLI)', () => {
  let root: string;
  let localRoot: string;
  let taskPath: string;
  const item = (key: string): string => join(localRoot, 'img-src', 'Coll', 'Box', 'Item1', key);
  const published = (key: string): string => join(localRoot, 'img-pub', 'pub', 'Box', 'Item1', key);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'stable-names-'));
    localRoot = join(root, 'data');
    await mkdir(dirname(item('x')), { recursive: true });
    await writeFile(
      item('p1.jpg'),
      await sharp(await picture(300, 200))
        .jpeg()
        .toBuffer(),
    );
    taskPath = await writeBoxTask(root, localRoot, 'identifier,title\nItem1,One\n');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps p1 for p1.jpg when p1.tif is added, and records the names', async () => {
    // Prepare: the first run publishes p1.jpg as p1.
    const first = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '1', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(await readFile(published('p1/info.json'), 'utf8'))).toMatchObject({ width: 300, height: 200 });
    await writeFile(
      item('p1.tif'),
      await sharp(await picture(500, 400))
        .tiff()
        .toBuffer(),
    );

    // Act
    const second = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '1', '--json']);

    // Assess
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ counts: { images: 2, tiled: 1, skipped: 1 } });
    expect(JSON.parse(await readFile(published('p1/info.json'), 'utf8'))).toMatchObject({
      id: 'https://iiif.example.org/pub/Box/Item1/p1',
      width: 300,
      height: 200,
    });
    expect(JSON.parse(await readFile(published('p1_tif/info.json'), 'utf8'))).toMatchObject({ width: 500 });
    await expect(stat(published('p1_jpg'))).rejects.toThrow(/ENOENT/);
    const manifest = await readFile(published('manifest.json'), 'utf8');
    expect(manifest).toContain('https://iiif.example.org/pub/Box/Item1/p1"');
    expect(manifest).toContain('https://iiif.example.org/pub/Box/Item1/p1_tif"');
    const record = JSON.parse(
      await readFile(join(localRoot, '_iiif-batch', 'names', 'img-pub', 'pub', 'Box', 'Item1.json'), 'utf8'),
    );
    expect(record).toEqual({ item: 'Item1', names: { 'p1.jpg': 'p1', 'p1.tif': 'p1_tif' } });
  });
});
