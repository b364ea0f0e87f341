import { spawn } from 'node:child_process';
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { forEachLimited } from '../src/util/for-each-limited.js';
import { benchTaskFile } from './bench-task.js';
import type { FloorResult } from './floor-child.js';
import { MIXED_COLLECTION, writeMixedCollection } from './mixed-collection.js';

/** One timed execution: wall-clock seconds, CPU seconds of the process tree, largest process's peak RSS. */
export interface Timed {
  readonly wall: number;
  readonly user: number;
  readonly sys: number;
  readonly maxRssMiB: number;
}

export interface ToolRound extends Timed {
  /** Seconds per image (wall inside the tool), by path in the collection. */
  readonly perImage: ReadonlyMap<string, number>;
  readonly files: number;
  readonly bytes: number;
}

export interface MixedRound {
  readonly ours: ToolRound;
  /** `vips dzsave` per file: tiles and info.json only (the anchor). */
  readonly vips: ToolRound;
  /**
   * `vips dzsave` then a full-size JPEG per file (`vips copy`, the same JPEG settings): closer to what
   * iiif-batch publishes (`full/max`), though still without the `sizes` files.
   */
  readonly vipsFull: ToolRound;
  /** The floor under iiif-batch's complete set: its own decode and encodes in one process, nothing written. */
  readonly floor: FloorResult;
}

type Tool = 'ours' | 'vips' | 'vipsFull';
const TOOLS: readonly Tool[] = ['ours', 'vips', 'vipsFull'];

const ACCESS_DIR = 'Bench/Box1';
/**
 * The user's view: the whole `iiif-batch run` (2 workers) on a mixed collection against a loop of
 * `vips dzsave --layout iiif3` over the same files, 2 at a time, and against the same loop followed
 * by a full-size JPEG per file (what comes closest to iiif-batch's complete set with the `vips`
 * command). The tools alternate A B C, C B A over `rounds` rounds. Every execution runs under
 * `/usr/bin/time`, so CPU time covers the whole process tree (workers, assembler, every vips process).
 */
export async function benchMixedRun(options: {
  readonly work: string;
  readonly cli: string;
  /** `floor-child.js`, run once a round after the tools. */
  readonly floorChild: string;
  readonly rounds: number;
  readonly tileSize: number;
  readonly quality: number;
  readonly log: (message: string) => void;
}): Promise<{ rounds: MixedRound[]; megapixels: number }> {
  const { work, log } = options;
  const sources = join(work, 'sources');
  const sourceDir = join(sources, 'img-src', ACCESS_DIR);
  log(`generating the mixed collection (${MIXED_COLLECTION.length} images)…`);
  const files = await writeMixedCollection(sourceDir, join(sources, 'img-src', 'metadata', 'bench.csv'));
  const taskPath = join(work, 'task.json');
  await writeFile(
    taskPath,
    benchTaskFile({
      id: 'Bench_Box',
      accessDir: ACCESS_DIR,
      srcBucket: 'img-src',
      destBucket: 'img-pub',
      settings: { TILE_SIZE: String(options.tileSize), JPEG_QUALITY: String(options.quality) },
    }),
  );
  const rounds: MixedRound[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const results: Partial<Record<Tool, ToolRound>> = {};
    // A B C, then C B A: each tool runs early and late as often as the others.
    for (const tool of round % 2 === 0 ? TOOLS : [...TOOLS].reverse()) {
      const out = await mkdtemp(join(work, `${tool}-`));
      log(`  round ${round + 1}: ${TOOL_NAMES[tool]}…`);
      results[tool] =
        tool === 'ours'
          ? await runOurs(options.cli, taskPath, sources, out)
          : await runVips(files, sourceDir, out, options.tileSize, options.quality, tool === 'vipsFull');
      await rm(out, { recursive: true, force: true });
    }
    const { ours, vips, vipsFull } = results;
    if (ours === undefined || vips === undefined || vipsFull === undefined) {
      throw new Error('unreachable: every tool runs every round');
    }
    log(`  round ${round + 1}: the floor (decode and encodes only)…`);
    const floor = await timed(process.execPath, [
      options.floorChild,
      work,
      String(options.tileSize),
      String(options.quality),
      ...files,
    ]);
    rounds.push({ ours, vips, vipsFull, floor: JSON.parse(floor.stdout) as FloorResult });
  }
  const megapixels = MIXED_COLLECTION.reduce((sum, image) => sum + (image.width * image.height) / 1e6, 0);
  return { rounds, megapixels };
}

/** `iiif-batch run` on a fresh copy (hard links) of the sources, so nothing is skipped as published. */
async function runOurs(cli: string, taskPath: string, sources: string, root: string): Promise<ToolRound> {
  await linkTree(sources, root);
  const result = await timed(process.execPath, [
    cli,
    'run',
    taskPath,
    '--local-root',
    root,
    '--workers',
    '2',
    '--json',
  ]);
  const summary = JSON.parse(result.stdout) as { status: string; counts: { tiled: number; images: number } };
  if (summary.status !== 'succeeded' || summary.counts.tiled !== summary.counts.images) {
    throw new Error(`iiif-batch run did not publish every image: ${result.stdout}`);
  }
  const perImage = new Map<string, number>();
  const runs = join(root, '_iiif-batch', 'runs');
  for (const run of await readdir(runs)) {
    for (const file of await readdir(join(runs, run, 'results'))) {
      const record = JSON.parse(await readFile(join(runs, run, 'results', file), 'utf8')) as {
        images: { sourceKey: string; seconds: number }[];
      };
      for (const image of record.images) perImage.set(relative(ACCESS_DIR, image.sourceKey), image.seconds);
    }
  }
  return { ...result.timing, perImage, ...(await folderSize(join(root, 'img-pub'))) };
}

const TOOL_NAMES: Record<Tool, string> = {
  ours: 'iiif-batch run',
  vips: 'vips dzsave loop',
  vipsFull: 'vips dzsave + full-size JPEG loop',
};

/**
 * `vips dzsave` over every file, 2 at a time (as `xargs -P 2` would), each under `/usr/bin/time`;
 * with `withFull`, each file's dzsave is followed by a full-size JPEG (`vips copy`), timed with it.
 */
async function runVips(
  files: readonly string[],
  sourceDir: string,
  out: string,
  tileSize: number,
  quality: number,
  withFull: boolean,
): Promise<ToolRound> {
  const perImage = new Map<string, number>();
  let user = 0;
  let sys = 0;
  let maxRssMiB = 0;
  const started = performance.now();
  await forEachLimited(files, 2, async (file) => {
    const name = relative(sourceDir, file);
    const target = join(out, name.replace(/[/.]/g, '_'));
    const jpeg = `[Q=${quality},subsample_mode=on,optimize_coding=false]`;
    const commands = [
      ['dzsave', file, target, '--layout', 'iiif3', '--tile-size', String(tileSize), '--suffix', `.jpg${jpeg}`],
    ];
    if (withFull) commands.push(['copy', file, `${target}-full.jpg${jpeg}`]);
    let seconds = 0;
    for (const args of commands) {
      const { timing } = await timed('vips', args);
      seconds += timing.wall;
      user += timing.user;
      sys += timing.sys;
      maxRssMiB = Math.max(maxRssMiB, timing.maxRssMiB);
    }
    perImage.set(name, seconds);
  });
  const wall = (performance.now() - started) / 1000;
  return { wall, user, sys, maxRssMiB, perImage, ...(await folderSize(out)) };
}

/** Run a command under `/usr/bin/time`; rejects when it fails. */
export async function timed(command: string, args: readonly string[]): Promise<{ stdout: string; timing: Timed }> {
  const dir = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'bench-time-'));
  const file = join(dir, 'time');
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn('/usr/bin/time', ['-o', file, '-f', '%e %U %S %M', command, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
        });
        child.on('error', reject);
        child.on('close', (exit) => resolve({ code: exit ?? -1, stdout: out, stderr: err }));
      },
    );
    if (code !== 0)
      throw new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr.trim().split('\n').pop()}`);
    const [wall, user, sys, rss] =
      (await readFile(file, 'utf8')).trim().split('\n').pop()?.split(' ').map(Number) ?? [];
    return {
      stdout,
      timing: { wall: wall ?? 0, user: user ?? 0, sys: sys ?? 0, maxRssMiB: (rss ?? 0) / 1024 },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Mirror `from` into `to` with hard links (no copy, no symlinks). */
async function linkTree(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true, recursive: true })) {
    const source = join(entry.parentPath, entry.name);
    const target = join(to, relative(from, source));
    if (entry.isDirectory()) await mkdir(target, { recursive: true });
    else {
      await mkdir(join(target, '..'), { recursive: true });
      await link(source, target);
    }
  }
}

export async function folderSize(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}
