import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunWarning } from '../../src/run/run-warning.js';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';
import { writeBoxTask } from './helpers/box-task.js';

const json = <T>(text: string): T => JSON.parse(text) as T;

async function page(width: number, height: number, background: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
}

/**
 * Warnings a person must act on reach the terminal summary, `--json`, `status` and report.json:
 * a CSV row that differs from its folder only in case, a folder without a row, a row without a
 * folder, and an animated GIF of which one frame is published. A rerun that skips the published
 * images says the same.
 */
describe('Run warnings (end to end through the CLI)', () => {
  let root: string;
  let localRoot: string;
  let taskPath: string;
  const source = (key: string): string => join(localRoot, 'img-src', 'Coll', 'Box', key);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'run-warnings-'));
    localRoot = join(root, 'data');
    const write = async (path: string, body: Buffer | string): Promise<void> => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
    };
    await write(
      source('Item1/p1.jpg'),
      await sharp(await page(300, 200, '#806040'))
        .jpeg()
        .toBuffer(),
    );
    const pages = [await page(400, 300, '#aa2222'), await page(400, 300, '#22aa22'), await page(400, 300, '#2222aa')];
    await write(
      source('Photos/reel.gif'),
      await sharp(pages, { join: { animated: true } })
        .gif()
        .toBuffer(),
    );
    taskPath = await writeBoxTask(
      root,
      localRoot,
      'identifier,title\nitem1,The first item\nLetters,Some letters\nBox,The box\n',
      { TILE_SIZE: '256' },
    );
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const expectWarnings = (warnings: readonly RunWarning[]): void => {
    const csv = join(localRoot, 'img-src', 'metadata', 'box.csv');
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'source-pages-ignored',
          item: 'Photos',
          file: 'Coll/Box/Photos/reel.gif',
          message: expect.stringMatching(/reel\.gif: multi-frame GIF: frame 1 of 3 used/),
        }),
        expect.objectContaining({
          code: 'csv-row-without-item',
          file: csv,
          line: 2,
          suggestion: 'Item1',
          message: expect.stringContaining('did you mean the folder "Item1"?'),
        }),
        expect.objectContaining({ code: 'csv-row-without-item', line: 3, file: csv }),
        expect.objectContaining({
          code: 'item-without-csv-row',
          item: 'Item1',
          suggestion: 'item1',
          message: expect.stringContaining('did you mean the row "item1" (line 2)?'),
        }),
        expect.objectContaining({ code: 'item-without-csv-row', item: 'Photos' }),
        // The generated pages are one colour each: QC calls them nearly uniform.
        expect.objectContaining({ code: 'qc-uniform', item: 'Item1', file: 'Coll/Box/Item1/p1.jpg' }),
        expect.objectContaining({ code: 'qc-uniform', item: 'Photos', file: 'Coll/Box/Photos/reel.gif' }),
      ]),
    );
    // The collection's own row matches; nothing else is said.
    expect(warnings).toHaveLength(7);
    expect(warnings.find((warning) => warning.line === 3)?.suggestion).toBeUndefined();
  };

  it('run --json lists every warning with its code and what it names; warnings do not fail the run', async () => {
    // Act
    const result = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '1', '--json']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    const summary = json<{ runId: string; report: string; warnings: RunWarning[] }>(result.stdout);
    expectWarnings(summary.warnings);
    const report = json<{ warnings: RunWarning[] }>(await readFile(summary.report, 'utf8'));
    expectWarnings(report.warnings);

    const status = await runCliInProcess(['status', summary.runId, '--local-root', localRoot, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expectWarnings(json<{ warnings: RunWarning[] }>(status.stdout).warnings);

    const text = await runCliInProcess(['status', summary.runId, '--local-root', localRoot]);
    expect(text.stdout).toContain('Warnings (7):');
    expect(text.stdout).toContain('[item-without-csv-row] item "Photos" has no row in');
  });

  it('a rerun that skips the published images shows the same warnings in the terminal summary', async () => {
    // Act
    const result = await runCliInProcess(['run', taskPath, '--local-root', localRoot, '--workers', '1']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\n\s+2\s+2\s+0\s+2\s+0\s/); // 2 items, 2 images, 0 tiled, 2 skipped, 0 failed
    expect(result.stdout).toContain('Warnings (7):');
    expect(result.stdout).toMatch(
      /\[source-pages-ignored\] Coll\/Box\/Photos\/reel\.gif: multi-frame GIF: frame 1 of 3/,
    );
    expect(result.stdout).toMatch(
      /\[csv-row-without-item\] .*box\.csv: line 2: the row "item1" matches no item folder; did you mean the folder "Item1"\?/,
    );
  });
});
