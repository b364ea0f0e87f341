import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, REPO_ROOT } from '../helpers/run-cli.js';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';

async function filesUnder(dir: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    count += 1;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { count, bytes };
}

interface PlanJson {
  images: number;
  shards: number;
  published: { objects: number; bytes: number };
  requests: { put: number; get: number; list: number };
  cost: { total: number; views: number };
  rates: { s3PutPer1000: number };
}

describe('iiif-batch plan', () => {
  let root: string;
  let localRoot: string;
  const task = join(REPO_ROOT, 'examples', 'task.json');

  // One plan, then one run of the example collection, shared by the tests that compare them.
  let planned: CliResult;
  let written: string[];
  let run: CliResult;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'plan-command-'));
    localRoot = join(root, 'data');
    await cp(join(REPO_ROOT, 'examples', 'data', 'img-src'), join(localRoot, 'img-src'), { recursive: true });
    planned = await runCliInProcess(['plan', task, '--local-root', localRoot, '--json']);
    written = await readdir(localRoot);
    run = await runCliInProcess(['run', task, '--local-root', localRoot, '--workers', '1', '--json']);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('estimates the objects and bytes the following run publishes within 10 %, writing nothing itself', async () => {
    // Assess (the plan and the run are the shared ones)
    expect(planned.code, planned.stderr).toBe(0);
    expect(written).toEqual(['img-src']);
    expect(run.code, run.stderr).toBe(0);
    const estimate = JSON.parse(planned.stdout) as PlanJson;
    const published = await filesUnder(join(localRoot, 'img-pub'));
    expect(estimate.images).toBe(6);
    expect(Math.abs(estimate.published.objects - published.count) / published.count).toBeLessThanOrEqual(0.1);
    expect(Math.abs(estimate.published.bytes - published.bytes) / published.bytes).toBeLessThanOrEqual(0.1);
  });

  it('prints a table for a person and takes rate overrides', async () => {
    const result = await runCliInProcess([
      'plan',
      task,
      '--local-root',
      localRoot,
      '--views',
      '5000',
      '--rate-s3-put-per-1000',
      '1',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/published objects\s+\d+/);
    expect(result.stdout).toMatch(/S3 PUT requests\s+\d+/);
    expect(result.stdout).toContain('CloudFront egress, 5,000 image views');
    const json = JSON.parse(
      (await runCliInProcess(['plan', task, '--local-root', localRoot, '--json', '--rate-s3-put-per-1000', '1']))
        .stdout,
    ) as PlanJson;
    expect(json.rates.s3PutPer1000).toBe(1);
  });

  it('rejects a negative rate with the flag named', async () => {
    const result = await runCliInProcess(['plan', task, '--local-root', localRoot, '--rate-s3-get-per-1000', '-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--rate-s3-get-per-1000');
  });

  it('records the estimate with the run; report shows it beside the measured figures', async () => {
    // Arrange: the shared run
    expect(run.code, run.stderr).toBe(0);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    const html = join(root, 'qc.html');

    // Act
    const json = await runCliInProcess(['report', runId, '--local-root', localRoot, '--html', html, '--json']);
    const text = await runCliInProcess(['report', runId, '--local-root', localRoot, '--html', html]);

    // Assess
    expect(json.code, json.stderr).toBe(0);
    const { estimate, measured } = JSON.parse(json.stdout) as {
      estimate: { images: number; published: { objects: number } };
      measured: { images: number; objects: number; megapixels: number; workerSeconds: number; vcpuHours: number };
    };
    const published = await filesUnder(join(localRoot, 'img-pub'));
    expect(estimate.images).toBe(6);
    expect(measured.images).toBe(6);
    expect(measured.objects).toBe(published.count);
    expect(Math.abs(estimate.published.objects - measured.objects) / measured.objects).toBeLessThanOrEqual(0.1);
    expect(measured.megapixels).toBeGreaterThan(0);
    expect(measured.vcpuHours).toBeCloseTo((measured.workerSeconds * 2) / 3600, 9);
    expect(text.stdout).toMatch(/published objects\s+[\d,]+\s+[\d,]+/);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('id="estimate"');
    expect(page).toMatch(/<th>published objects<\/th><td>[\d,]+<\/td><td>[\d,]+<\/td>/);
  });
});
