import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { SUBMITTER_V8_OPTIONS } from '../src/submitter/submitter-v8-options.js';
import { formatTable } from './format-table.js';
import { MIXED_COLLECTION } from './mixed-collection.js';
import { benchMixedRun, folderSize, type MixedRound } from './mixed-run.js';
import { type GeneratedFormat, writePhotoLikeImage } from './photo-like-image.js';
import type { PlanBenchResult } from './plan-child.js';
import { benchLocalRootPlan, type LocalPlanResult } from './plan-local-root.js';
import type { TileBenchResult } from './tile-child.js';

/**
 * `npm run bench`: the whole `iiif-batch run` against a `vips dzsave` loop on a mixed collection,
 * then per image (tileImage in a started worker against one `vips dzsave`) on large synthetic scans
 * up to 400 megapixels, then planning: a synthetic listing of a million keys (the submitter's
 * `submitRun`), and `iiif-batch plan` on a local root of 100,000 images.
 *
 *   node dist/bench/bench.js [--quick] [--keep] [--rounds N] [--keys N] [--local-images N] [--no-images] [--planning]
 *     --quick           one round, small per-image set (a smoke test of the benchmark itself)
 *     --keep            keep the generated images and outputs (printed path)
 *     --rounds N        A/B rounds of the whole-run comparison (default 3)
 *     --keys N          keys in the synthetic planning listing (default 1000000)
 *     --local-images N  images in the local root `plan` lists (default 100000)
 *     --no-images       skip the per-image table
 *     --planning        planning only (no whole-run comparison, no per-image table)
 *
 * Both tools write JPEG tiles of the same size with the same settings (quality 85, 4:2:0 chroma
 * subsampling, no optimised Huffman tables: libvips' defaults, given explicitly to vips).
 * Figures are for comparison within one run: machines here are shared and noisy, so the tools
 * alternate (A B A B; A B C, C B A in the whole-run comparison) and the ratios of each round are
 * printed with their spread.
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
  // JPEG 2000 is decoded by OpenJPEG in WebAssembly, a PDF page rendered by PDFium (A4 at 300 dpi).
  { name: 'master-24mp.jp2', width: 6000, height: 4000, format: 'jp2' },
  { name: 'page-a4-300dpi.pdf', width: 2480, height: 3508, format: 'pdf' },
  { name: 'scan-201mp.tif', width: 16384, height: 12288, format: 'tiff' },
  // The memory target: a 400-megapixel TIFF tiles with peak memory under 1 GiB.
  { name: 'scan-400mp.tif', width: 23170, height: 17280, format: 'tiff' },
];

/** Peak memory the shard worker must stay under on the largest image (issue: 400 MP under 1 GiB). */
const RSS_TARGET_MIB = 1024;

const QUICK_SET: readonly BenchImage[] = [
  { name: 'photo-2mp.jpg', width: 1732, height: 1155, format: 'jpeg' },
  { name: 'scan-8mp.tif', width: 3464, height: 2309, format: 'tiff' },
  { name: 'master-2mp.jp2', width: 1732, height: 1155, format: 'jp2' },
  { name: 'page-a6-300dpi.pdf', width: 1240, height: 1748, format: 'pdf' },
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
  readonly localImages: number;
  readonly rounds: number;
  readonly images: boolean;
  readonly planningOnly: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  let quick = false;
  let keep = false;
  let keys = 1_000_000;
  let localImages = 100_000;
  let rounds = 3;
  let images = true;
  let planningOnly = false;
  const integer = (name: string, text: string | undefined, max: number): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new Error(`Expected integer between 1 and ${max} for ${name} but received ${text}`);
    }
    return value;
  };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--quick') quick = true;
    else if (arg === '--keep') keep = true;
    else if (arg === '--no-images') images = false;
    else if (arg === '--planning') planningOnly = true;
    else if (arg === '--local-images') {
      localImages = integer('--local-images', argv[index + 1], 2_000_000);
      index += 1;
    } else if (arg === '--keys') {
      keys = integer('--keys', argv[index + 1], 10_000_000);
      index += 1;
    } else if (arg === '--rounds') {
      rounds = integer('--rounds', argv[index + 1], 20);
      index += 1;
    } else {
      throw new Error(
        `Unknown option ${arg}; expected --quick, --keep, --rounds N, --keys N, --local-images N, --no-images or --planning`,
      );
    }
  }
  return {
    quick,
    keep,
    keys,
    localImages: quick ? Math.min(localImages, 10_000) : localImages,
    rounds: quick ? 1 : rounds,
    images: images && !planningOnly,
    planningOnly,
  };
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
    // libvips renders PDF at 72 dpi unless told: the same 300 dpi as iiif-batch's PDF_DPI default.
    source.endsWith('.pdf') ? `${source}[dpi=300]` : source,
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
  const cli = join(here, '..', '..', 'bin', 'iiif-batch.js');
  if (!vips) log('vips not found: comparison skipped (apt-get install -y libvips-tools)');
  try {
    const mixed =
      vips && !options.planningOnly
        ? await benchMixedRun({
            work,
            cli,
            floorChild: join(here, 'floor-child.js'),
            rounds: options.rounds,
            tileSize: TILE_SIZE,
            quality: JPEG_QUALITY,
            log,
          })
        : undefined;
    const rows: ImageRow[] = [];
    for (const [index, image] of (options.images ? images : []).entries()) {
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
    // With the submitter Lambda's V8 options: it is the submitter's planning that is measured.
    const planRun = await run(process.execPath, [
      ...SUBMITTER_V8_OPTIONS,
      join(here, 'plan-child.js'),
      String(options.keys),
    ]);
    if (planRun.code !== 0) throw new Error(`planning benchmark failed: ${planRun.stderr}`);
    const plan = JSON.parse(planRun.stdout.trim()) as PlanBenchResult;
    const local = await benchLocalRootPlan({ work, cli, images: options.localImages, log });
    machine.loadAfter = loadavg()[0] ?? 0;
    process.stdout.write(report(rows, { synthetic: plan, local }, vips, machine, mixed));
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

function report(
  rows: readonly ImageRow[],
  planning: { readonly synthetic: PlanBenchResult; readonly local: LocalPlanResult },
  vips: boolean,
  machine: Machine,
  mixed: { rounds: MixedRound[]; megapixels: number } | undefined,
): string {
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
  const largest = rows.reduce<ImageRow | undefined>(
    (a, b) => (a === undefined || b.megapixels > a.megapixels ? b : a),
    undefined,
  );
  const errors = rows.flatMap((row) => [
    ...(row.ours.error === undefined ? [] : [`iiif-batch failed on ${row.image.name}: ${row.ours.error}`]),
    ...(row.vips?.error === undefined ? [] : [`vips failed on ${row.image.name}: ${row.vips.error}`]),
  ]);
  const plan = planning.synthetic;
  const { local } = planning;
  const synthetic = formatTable(
    [
      'keys',
      'items',
      'images',
      'shards',
      'wall s',
      'CPU s',
      'peak RSS MiB',
      'records',
      'all MB',
      'items MB',
      'largest shard KiB',
    ],
    [
      [
        String(plan.keys),
        String(plan.items),
        String(plan.images),
        String(plan.shards),
        fixed(plan.seconds, 2),
        fixed(plan.cpuSeconds, 2),
        fixed(plan.maxRssMiB, 0),
        String(plan.records),
        fixed(plan.recordBytes / 1e6),
        fixed(plan.itemsRecordBytes / 1e6),
        fixed(plan.largestShardRecordBytes / 1024),
      ],
    ],
  );
  const lines = [
    '',
    `Machine: nproc ${machine.nproc} (${machine.cpuModel}), Node ${machine.node}, sharp's libvips ${machine.libvips}, ` +
      `vips CLI ${machine.vipsCli}; ${machine.date}; load average ${machine.loadBefore.toFixed(2)} before, ` +
      `${machine.loadAfter.toFixed(2)} after (other processes share the machine)`,
    ...(mixed !== undefined
      ? mixedReport(mixed)
      : [vips ? 'Whole-run comparison skipped (--planning)' : 'vips not installed: no whole-run comparison']),
    ...(largest === undefined
      ? []
      : [
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
        ]),
    ...errors,
    '',
    `Planning a synthetic listing with the submitter's submitRun (list → TIFF pages → items → shards → records; target for 1M keys: at most 5 s CPU and 256 MiB)`,
    synthetic,
    '',
    `iiif-batch plan on a local root (hard links of small JPEGs, 40 a folder; target for 100,000 images: under 5 s)`,
    formatTable(
      ['images', 'items', 'shards', 'headers read', 'wall s', 'CPU s (user+sys)', 'peak RSS MiB'],
      [
        [
          String(local.planned.images),
          String(local.planned.items),
          String(local.planned.shards),
          String(local.sizesRead),
          fixed(local.wall, 2),
          `${fixed(local.user + local.sys, 2)} (${fixed(local.user, 2)}+${fixed(local.sys, 2)})`,
          fixed(local.maxRssMiB, 0),
        ],
      ],
    ),
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * How far the CPU target is from what the codecs alone cost: iiif-batch's decode and encodes in one
 * process with nothing written (`floor-child.ts`), against the vips loop of the same round.
 */
function floorReport(rounds: readonly MixedRound[]): string[] {
  const cpu = (run: { user: number; sys: number }): number => run.user + run.sys;
  const of = (pick: (round: MixedRound) => number): string => median(rounds.map(pick)).toFixed(2);
  const ratio = (pick: (round: MixedRound) => number): string =>
    median(rounds.map((round) => pick(round) / cpu(round.vips))).toFixed(2);
  const levelZero = (round: MixedRound): number => round.floor.decode + round.floor.levelZero;
  const complete = (round: MixedRound): number => round.floor.decode + round.floor.complete;
  return [
    'Floor: the same decode and JPEG encodes as iiif-batch, in one process, nothing written (CPU s, median of the rounds; ratio to the vips loop of the same round):',
    `  decode each source once: ${of((round) => round.floor.decode)} (${ratio((round) => round.floor.decode)}×)`,
    `  + level 0 only (its tiles and full/max, which a level-0 service cannot do without): ${of(levelZero)} (${ratio(levelZero)}×)`,
    `  + every other level, the sizes files and the reductions (the complete set): ${of(complete)} (${ratio(complete)}×)`,
    `  iiif-batch run / complete floor: ${median(rounds.map((round) => cpu(round.ours) / complete(round))).toFixed(2)} (the rest is reading, writing, processes, planning and manifests)`,
  ];
}

/** The whole-run comparison: each round's ratios, their median and spread, per-format MP/s, peak RSS. */
function mixedReport(mixed: { rounds: MixedRound[]; megapixels: number }): string[] {
  const cpu = (run: { user: number; sys: number }): number => run.user + run.sys;
  const rounds = formatTable(
    ['round', 'iiif-batch wall s', 'CPU s (user+sys)', 'vips wall s', 'CPU s', 'wall ratio', 'CPU ratio'],
    mixed.rounds.map((round, index) => [
      String(index + 1),
      fixed(round.ours.wall, 2),
      `${fixed(cpu(round.ours), 2)} (${fixed(round.ours.user, 2)}+${fixed(round.ours.sys, 2)})`,
      fixed(round.vips.wall, 2),
      `${fixed(cpu(round.vips), 2)} (${fixed(round.vips.user, 2)}+${fixed(round.vips.sys, 2)})`,
      (round.ours.wall / round.vips.wall).toFixed(2),
      (cpu(round.ours) / cpu(round.vips)).toFixed(2),
    ]),
  );
  const spread = (values: number[]): string =>
    `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
  const wallRatios = mixed.rounds.map((round) => round.ours.wall / round.vips.wall);
  const cpuRatios = mixed.rounds.map((round) => cpu(round.ours) / cpu(round.vips));
  const fullWallRatios = mixed.rounds.map((round) => round.ours.wall / round.vipsFull.wall);
  const fullCpuRatios = mixed.rounds.map((round) => cpu(round.ours) / cpu(round.vipsFull));
  const fullRange = (pick: (round: MixedRound) => number): string =>
    `${fixed(Math.min(...mixed.rounds.map(pick)), 2)}–${fixed(Math.max(...mixed.rounds.map(pick)), 2)}`;
  // Per format: megapixels over the seconds each tool spent on those images (all rounds).
  const formats = [...new Set(MIXED_COLLECTION.map((image) => image.format))];
  const perFormat = formatTable(
    ['format', 'images', 'MP', 'iiif-batch MP/s', 'vips MP/s', 'time ratio'],
    formats.map((format) => {
      const images = MIXED_COLLECTION.filter((image) => image.format === format);
      const megapixels = images.reduce((sum, image) => sum + (image.width * image.height) / 1e6, 0);
      const seconds = (tool: 'ours' | 'vips'): number =>
        mixed.rounds.reduce(
          (sum, round) => sum + images.reduce((inner, image) => inner + (round[tool].perImage.get(image.path) ?? 0), 0),
          0,
        ) / mixed.rounds.length;
      return [
        format,
        String(images.length),
        fixed(megapixels),
        fixed(megapixels / seconds('ours')),
        fixed(megapixels / seconds('vips')),
        (seconds('ours') / seconds('vips')).toFixed(2),
      ];
    }),
  );
  const last = mixed.rounds[mixed.rounds.length - 1];
  return [
    `Whole run on a mixed collection: ${MIXED_COLLECTION.length} images, ${fixed(mixed.megapixels)} MP ` +
      `(iiif-batch run --workers 2 against vips dzsave --layout iiif3 --tile-size ${TILE_SIZE} --suffix .jpg[Q=${JPEG_QUALITY}], 2 at a time; ` +
      'and against a loop that also writes a full-size JPEG per image; A B C, C B A)',
    rounds,
    `Ratio iiif-batch/vips, median (min–max) of ${mixed.rounds.length} rounds: wall ${spread(wallRatios)}, CPU ${spread(cpuRatios)} (target: at most 1.00 for both)`,
    `Against vips dzsave + a full-size JPEG per image (vips copy, same JPEG settings; still no sizes files): ` +
      `${fullRange((round) => round.vipsFull.wall)} s wall, ${fullRange((round) => cpu(round.vipsFull))} s CPU; ` +
      `ratio wall ${spread(fullWallRatios)}, CPU ${spread(fullCpuRatios)}`,
    ...floorReport(mixed.rounds),
    `Peak RSS of the largest process: iiif-batch ${fixed(Math.max(...mixed.rounds.map((round) => round.ours.maxRssMiB)), 0)} MiB, ` +
      `vips ${fixed(Math.max(...mixed.rounds.map((round) => round.vips.maxRssMiB)), 0)} MiB`,
    last === undefined
      ? ''
      : `Published: iiif-batch ${last.ours.files} files, ${fixed(last.ours.bytes / 1e6)} MB (tiles, full/max, sizes, info.json, manifests, collection); ` +
        `vips ${last.vips.files} files, ${fixed(last.vips.bytes / 1e6)} MB (tiles, info.json)`,
    'Per format (seconds each tool spent per image, inside the run for iiif-batch, per command for vips; averaged over the rounds)',
    perFormat,
    '',
  ];
}
