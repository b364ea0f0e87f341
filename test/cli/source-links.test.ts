import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunWarning } from '../../src/run/run-warning.js';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';
import { writeBoxTask } from './helpers/box-task.js';

/**
 * Symbolic links under ACCESS_DIR (a local root): followed when they stay inside the local root,
 * otherwise counted as ignored and reported as a warning naming the link and the reason.
 */
describe('Symbolic links under ACCESS_DIR (CLI run)', () => {
  let root: string;
  let localRoot: string;
  let taskPath: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'source-links-'));
    localRoot = join(root, 'data');
    const item = join(localRoot, 'img-src', 'Coll', 'Box', 'Item1');
    const masters = join(localRoot, 'img-src', 'masters');
    await mkdir(item, { recursive: true });
    await mkdir(masters, { recursive: true });
    const jpeg = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#405060' } })
      .jpeg()
      .toBuffer();
    await writeFile(join(item, 'p1.jpg'), jpeg);
    await writeFile(join(masters, 'p2.jpg'), jpeg);
    await writeFile(join(root, 'elsewhere.jpg'), jpeg);
    await symlink(join(masters, 'p2.jpg'), join(item, 'p2.jpg'));
    await symlink(join(root, 'elsewhere.jpg'), join(item, 'p3.jpg'));
    taskPath = await writeBoxTask(root, localRoot, 'identifier,title\nItem1,One\n');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('publishes the link inside the local root, counts and reports the one outside it', async () => {
    // Act
    const result = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '1', '--json']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      counts: { images: number; ignored: number };
      warnings: RunWarning[];
    };
    expect(summary.counts).toMatchObject({ images: 2, ignored: 1 });
    // Other warnings (quality flags of these flat test images) are not this test's business.
    expect(summary.warnings.filter((warning) => warning.code === 'source-link-ignored')).toEqual([
      {
        code: 'source-link-ignored',
        file: 'Coll/Box/Item1/p3.jpg',
        message: expect.stringMatching(
          /^Coll\/Box\/Item1\/p3\.jpg: a symbolic link to .*elsewhere\.jpg, outside the local root .*: not followed/,
        ),
      },
    ]);
    const manifest = await readFile(join(localRoot, 'img-pub', 'pub', 'Box', 'Item1', 'manifest.json'), 'utf8');
    expect(manifest).toContain('/pub/Box/Item1/p2"');
  });
});
