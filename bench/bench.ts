import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { formatTable } from './format-table.js';
import { type GeneratedFormat, writePhotoLikeImage } from './photo-like-image.js';
import type { PlanBenchResult } from './plan-child.js';
import type { TileBenchResult } from './tile-child.js';

/**
 * `npm run bench`: how fast and how lean the shard worker tiles, next to libvips' own `vips dzsave`
 * on the same images and machine, and how long planning a 100,000-key listing takes.
 *
 *   node dist/bench/bench.js [--quick] [--keep] [--keys N]
 *     --quick   small images (a smoke test of the benchmark itself, about a minute)
 *     --keep    keep the generated images and outputs (printed path)
 *     --keys N  keys in the synthetic planning listing (default 100000)
 *
 * Each tiling runs in its own child process, so its peak resident memory (max RSS) is its own.
 * The two tilers alternate which goes first from image to image, so neither always gets the warm cache.
 * Both write JPEG tiles of the same size with the same settings (quality 85, 4:2:0 chroma
 * subsampling, no optimised Huffman tables: libvips' defaults, given explicitly to vips).
 * iiif-batch's time is `tileImage` for one image in a worker process that has started (a shard
 * worker starts once per shard), from the source in a filesystem store to the complete published
 * service; vips' is the wall-clock time of the `vips dzsave` command. The child process's own
 * wall-clock time (with Node start-up) is printed too.
 * Figures are for comparison within one run: machines here are shared and noisy.
 */

interface BenchImage {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly format: GeneratedFormat;
}

const FULL_SET: readonly BenchImage[] = [
  { name: 'photo-8mp.jpg', width: 3464, height: 2309, format: 'jpeg' },
  { name: 'photo-24mp.jpg', width: 6000, height: 4000, format: 'jpeg' },
  { name: 'scan-50mp.tif', width: 8660, height: 5774, format: 'tiff' },
  { name: 'scan-201mp.tif', width: 16384, height: 12288, format: 'tiff' },
  // The memory target: a 400-megapixel TIFF tiles with peak memory under 1 GiB.
  { name: 'scan-400mp.tif', width: 23170, height: 17280, format: 'tiff' },
];

/** Peak memory the shard worker must stay under on the largest image (issue: 400 MP under 1 GiB). */
const RSS_TARGET_MIB = 1024;

const QUICK_SET: readonly BenchImage[] = [
  { name: 'photo-2mp.jpg', width: 1732, height: 1155, format: 'jpeg' },
  { name: 'scan-8mp.tif', width: 3464, height: 2309, format: 'tiff' },
];

const TILE_SIZE = 512;
const JPEG_QUALITY = 85;

interface ToolRun {
  readonly seconds: number;
  /** Wall-clock seconds of the whole child process (iiif-batch: with Node start-up). */
  readonly processSeconds?: number;
  readonly maxRssMiB: number | undefined;
  readonly files: number;
  readonly bytes: number;
  readonly error?: string;
}

interface ImageRow {
  readonly image: BenchImage;
  readonly megapixels: number;
  readonly sourceBytes: number;
  readonly ours: ToolRun;
  readonly vips: ToolRun | undefined;
}

interface Options {
  readonly quick: boolean;
  readonly keep: boolean;
  readonly keys: number;
}

function parseOptions(argv: readonly string[]): Options {
  let quick = false;
  let keep = false;
  let keys = 100_000;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--quick') quick = true;
    else if (arg === '--keep') keep = true;
    else if (arg === '--keys') {
      const value = Number(argv[index + 1]);
      if (!Number.isInteger(value) || value < 1 || value > 10_000_000) {
        throw new Error(`Expected integer between 1 and 10000000 for --keys but received ${argv[index + 1]}`);
      }
      keys = value;
      index += 1;
    } else throw new Error(`Unknown option ${arg}; expected --quick, --keep or --keys N`);
  }
  return { quick, keep, keys };
}

const here = dirname(fileURLToPath(import.meta.url));

/** Run a command, collecting stdout and stderr; resolves with the exit code and wall-clock seconds. */
function run(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 }),
    );
  });
}

async function folderSize(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}

async function tileWithIiifBatch(source: string, outDir: string): Promise<ToolRun> {
  // The environment shard workers get (the container image and the local launcher set it).
  const result = await run(
    process.execPath,
    [join(here, 'tile-child.js'), source, outDir, String(TILE_SIZE), String(JPEG_QUALITY)],
    { MALLOC_ARENA_MAX: '2' },
  );
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.code !== 0 || line === '') {
    return { seconds: result.seconds, maxRssMiB: undefined, files: 0, bytes: 0, error: lastLine(result.stderr) };
  }
  const child = JSON.parse(line) as TileBenchResult;
  if (child.status === 'failed') {
    return { seconds: child.seconds, maxRssMiB: child.maxRssMiB, files: 0, bytes: 0, error: child.reason };
  }
  // Only what was published (the source bucket holds a link to the image, tmp is emptied).
  const size = await folderSize(join(outDir, 'pub'));
  return { seconds: child.seconds, processSeconds: result.seconds, maxRssMiB: child.maxRssMiB, ...size };
}

async function tileWithVips(source: string, outDir: string, timeCommand: boolean): Promise<ToolRun> {
  await mkdir(outDir, { recursive: true });
  const vipsArgs = [
    'dzsave',
    source,
    join(outDir, 'image'),
    '--layout',
    'iiif3',
    '--tile-size',
    String(TILE_SIZE),
    '--suffix',
    `.jpg[Q=${JPEG_QUALITY},subsample_mode=on,optimize_coding=false]`,
  ];
  const result = timeCommand ? await run('/usr/bin/time', ['-v', 'vips', ...vipsArgs]) : await run('vips', vipsArgs);
  if (result.code !== 0) {
    return { seconds: result.seconds, maxRssMiB: undefined, files: 0, bytes: 0, error: lastLine(result.stderr) };
  }
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1];
  const size = await folderSize(outDir);
  return { seconds: result.seconds, maxRssMiB: rss === undefined ? undefined : Number(rss) / 1024, ...size };
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? 'no output';
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const images = options.quick ? QUICK_SET : FULL_SET;
  const work = await mkdtemp(join(tmpdir(), 'iiif-batch-bench-'));
  const vipsVersion = await run('vips', ['--version']).catch(() => undefined);
  const vips = vipsVersion?.code === 0;
  const machine: Machine = {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    node: process.version,
    libvips: sharp.versions.vips ?? 'unknown',
    vipsCli: vips ? (vipsVersion?.stdout.trim() ?? '') : 'not installed',
    loadBefore: loadavg()[0] ?? 0,
    loadAfter: 0,
  };
  const timeCommand = existsSync('/usr/bin/time');
  const log = (message: string): void => {
    process.stderr.write(`${message}\n`);
  };
  log(`Benchmark in ${work} (nproc ${machine.nproc}, Node ${process.version})`);
  if (!vips) log('vips not found: comparison skipped (apt-get install -y libvips-tools)');
  try {
    const rows: ImageRow[] = [];
    for (const [index, image] of images.entries()) {
      const source = join(work, image.name);
      log(`generating ${image.name} (${image.width}×${image.height})…`);
      await writePhotoLikeImage(source, image.width, image.height, image.format, index + 1);
      const sourceBytes = (await stat(source)).size;
      const order = index % 2 === 0 ? (['ours', 'vips'] as const) : (['vips', 'ours'] as const);
      let ours: ToolRun | undefined;
      let vipsRun: ToolRun | undefined;
      for (const tool of order) {
        const out = join(work, `out-${tool}-${index}`);
        if (tool === 'ours') {
          log(`  iiif-batch tileImage ${image.name}…`);
          ours = await tileWithIiifBatch(source, out);
        } else if (vips) {
          log(`  vips dzsave ${image.name}…`);
          vipsRun = await tileWithVips(source, out, timeCommand);
        }
        if (!options.keep) await rm(out, { recursive: true, force: true });
      }
      if (ours === undefined) throw new Error('unreachable: the iiif-batch run always happens');
      rows.push({ image, megapixels: (image.width * image.height) / 1e6, sourceBytes, ours, vips: vipsRun });
      if (!options.keep) await rm(source, { force: true });
    }
    log(`planning a synthetic listing of ${options.keys} keys…`);
    const planRun = await run(process.execPath, [join(here, 'plan-child.js'), String(options.keys)]);
    if (planRun.code !== 0) throw new Error(`planning benchmark failed: ${planRun.stderr}`);
    const plan = JSON.parse(planRun.stdout.trim()) as PlanBenchResult;
    machine.loadAfter = loadavg()[0] ?? 0;
    process.stdout.write(report(rows, plan, vips, machine));
  } finally {
    if (options.keep) log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

function fixed(value: number | undefined, digits = 1): string {
  return value === undefined ? '-' : value.toFixed(digits);
}

interface Machine {
  readonly date: string;
  readonly nproc: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly libvips: string;
  readonly vipsCli: string;
  readonly loadBefore: number;
  loadAfter: number;
}

/** ours/vips time: below 1 is faster than vips dzsave. */
function timeRatio(ours: ToolRun, vips: ToolRun | undefined): string {
  if (vips === undefined || ours.error !== undefined || vips.error !== undefined) return '-';
  return `${(ours.seconds / vips.seconds).toFixed(2)}`;
}

function report(rows: readonly ImageRow[], plan: PlanBenchResult, vips: boolean, machine: Machine): string {
  const mpPerSecond = (run: ToolRun | undefined, megapixels: number): number | undefined =>
    run === undefined || run.error !== undefined ? undefined : megapixels / run.seconds;
  const tiling = formatTable(
    [
      'image',
      'MP',
      'source MB',
      'iiif-batch s',
      '(process s)',
      'MP/s',
      'peak RSS MiB',
      'files',
      'vips s',
      'MP/s',
      'peak RSS MiB',
      'files',
      'time iiif-batch/vips',
    ],
    rows.map((row) => {
      const ours = mpPerSecond(row.ours, row.megapixels);
      const theirs = mpPerSecond(row.vips, row.megapixels);
      return [
        row.image.name,
        fixed(row.megapixels),
        fixed(row.sourceBytes / 1024 / 1024),
        row.ours.error === undefined ? fixed(row.ours.seconds, 2) : 'failed',
        fixed(row.ours.processSeconds, 2),
        fixed(ours),
        fixed(row.ours.maxRssMiB, 0),
        String(row.ours.files),
        row.vips === undefined ? '-' : row.vips.error === undefined ? fixed(row.vips.seconds, 2) : 'failed',
        fixed(theirs),
        fixed(row.vips?.maxRssMiB, 0),
        row.vips === undefined ? '-' : String(row.vips.files),
        timeRatio(row.ours, row.vips),
      ];
    }),
  );
  const totalMp = rows.reduce((sum, row) => sum + row.megapixels, 0);
  const oursSeconds = rows.reduce((sum, row) => sum + row.ours.seconds, 0);
  const vipsSeconds = rows.reduce((sum, row) => sum + (row.vips?.seconds ?? 0), 0);
  const largest = rows.reduce((a, b) => (b.megapixels > a.megapixels ? b : a));
  const errors = rows.flatMap((row) => [
    ...(row.ours.error === undefined ? [] : [`iiif-batch failed on ${row.image.name}: ${row.ours.error}`]),
    ...(row.vips?.error === undefined ? [] : [`vips failed on ${row.image.name}: ${row.vips.error}`]),
  ]);
  const planning = formatTable(
    [
      'keys',
      'items',
      'images',
      'shards',
      'list s',
      'group s',
      'plan s',
      'serialise s',
      'estimate s',
      'total s',
      'heap MiB',
      'peak RSS MiB',
      'largest shard KiB',
    ],
    [
      [
        String(plan.keys),
        String(plan.items),
        String(plan.images),
        String(plan.shards),
        fixed(plan.listSeconds, 3),
        fixed(plan.groupSeconds, 3),
        fixed(plan.planSeconds, 3),
        fixed(plan.serialiseSeconds, 3),
        fixed(plan.estimateSeconds, 3),
        fixed(plan.totalSeconds, 3),
        fixed(plan.heapUsedMiB, 0),
        fixed(plan.maxRssMiB, 0),
        fixed(plan.largestShardDescriptionBytes / 1024),
      ],
    ],
  );
  const lines = [
    '',
    `Machine: nproc ${machine.nproc} (${machine.cpuModel}), Node ${machine.node}, sharp's libvips ${machine.libvips}, ` +
      `vips CLI ${machine.vipsCli}; ${machine.date}; load average ${machine.loadBefore.toFixed(2)} before, ` +
      `${machine.loadAfter.toFixed(2)} after (other processes share the machine)`,
    `Tiling (tile size ${TILE_SIZE}, JPEG quality ${JPEG_QUALITY}, 4:2:0, no optimised coding, Image API 3; vips dzsave --layout iiif3 for comparison)`,
    tiling,
    `Overall: iiif-batch ${fixed(totalMp / oursSeconds)} MP/s` +
      (vips
        ? `, vips dzsave ${fixed(totalMp / vipsSeconds)} MP/s, time iiif-batch/vips ${(oursSeconds / vipsSeconds).toFixed(2)} (target: at most 1.10)`
        : ''),
    `Peak RSS on the largest image (${largest.image.name}, ${fixed(largest.megapixels)} MP): iiif-batch ${fixed(largest.ours.maxRssMiB, 0)} MiB` +
      (largest.vips ? `, vips ${fixed(largest.vips.maxRssMiB, 0)} MiB` : '') +
      (largest.ours.maxRssMiB === undefined
        ? ''
        : ` (target: under ${RSS_TARGET_MIB} MiB: ${largest.ours.maxRssMiB < RSS_TARGET_MIB ? 'met' : 'NOT met'})`),
    'iiif-batch writes the complete level-0 set (tiles, full/max, every sizes entry, info.json); vips dzsave writes tiles and info.json only.',
    "iiif-batch s: tileImage in a started worker (source in a filesystem store to published service); vips s: the command's wall-clock time.",
    ...errors,
    '',
    `Planning a synthetic listing (list → items → shards → shard descriptions)`,
    planning,
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
