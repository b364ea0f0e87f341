import { mkdtemp, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { computePyramid } from '../src/iiif/image-api/compute-pyramid.js';
import { imageApiFor } from '../src/iiif/image-api/image-api-for.js';
import { contentKey, type FileContent, listTileSet } from '../src/iiif/image-api/list-tile-set.js';
import { sourceFormat } from '../src/plan/source-format.js';
import { configureSharp, renderConcurrency } from '../src/shard-worker/configure-sharp.js';
import { decodeSource } from '../src/shard-worker/decode-source.js';
import { releasePixels } from '../src/shard-worker/pixels.js';
import { renderPyramid } from '../src/shard-worker/render-pyramid.js';
import { parseTaskFile } from '../src/task/parse-task-file.js';
import { benchTaskFile } from './bench-task.js';

/**
 * Benchmark child: the floor under a complete level-0 set, in one process with nothing written.
 * For each source (sequentially, with the shard worker's sharp settings) it measures the CPU time of
 * three steps with iiif-batch's own code: decoding it once (`decodeSource`); encoding level 0 only
 * (every full-resolution tile and `full/max`, the outputs a level-0 service cannot do without);
 * and encoding the complete set (`renderPyramid`: every level's tiles, the `sizes` files and the
 * reductions between levels). The encoded JPEGs are dropped. What `iiif-batch run` spends above
 * decode + complete is the pipeline around the codecs: reading, writing, processes, planning.
 *
 * Usage: node dist/bench/floor-child.js WORK_DIR TILE_SIZE JPEG_QUALITY SOURCE...
 * Prints one JSON line: a `FloorResult`.
 */

/** CPU seconds (user + system, every thread of the process), summed over the sources. */
export interface FloorResult {
  readonly decode: number;
  /** Encoding level 0: its tiles and `full/max`. */
  readonly levelZero: number;
  /** Encoding the complete set: every tile, `full/max`, `sizes`, and the reductions between levels. */
  readonly complete: number;
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

async function measure<T>(totals: Record<keyof FloorResult, number>, step: keyof FloorResult, work: () => Promise<T>) {
  const before = cpuSeconds();
  const result = await work();
  totals[step] += cpuSeconds() - before;
  return result;
}

async function main(): Promise<void> {
  const [work, tileSizeText, qualityText, ...sources] = process.argv.slice(2);
  if (work === undefined || tileSizeText === undefined || qualityText === undefined || sources.length === 0) {
    throw new Error('Usage: floor-child.js WORK_DIR TILE_SIZE JPEG_QUALITY SOURCE...');
  }
  // The settings a run of the benchmark's task file has (FULL_MAX_SIZE and the rest at their defaults).
  const task = parseTaskFile(
    benchTaskFile({
      id: 'bench',
      accessDir: 'bench',
      settings: { TILE_SIZE: tileSizeText, JPEG_QUALITY: qualityText },
    }),
    'bench task',
  );
  const { tileSize, jpegQuality: quality, fullMaxSize, imageApiVersion } = task.settings;
  configureSharp();
  const api = imageApiFor(imageApiVersion);
  const totals = { decode: 0, levelZero: 0, complete: 0 };
  for (const source of sources) {
    const workDir = await mkdtemp(join(work, 'floor-'));
    try {
      const format = sourceFormat(basename(source));
      const decoded = await measure(totals, 'decode', () => decodeSource(source, workDir, format, tileSize));
      const pyramid = computePyramid({ width: decoded.width, height: decoded.height, tileSize, fullMaxSize });
      const published = new Set(listTileSet(pyramid, api).map((entry) => contentKey(entry.content)));
      const render = (levels: number, wants: (content: FileContent) => boolean) =>
        renderPyramid({
          base: decoded.pixels,
          pyramid: { ...pyramid, levels: pyramid.levels.slice(0, levels) },
          wants: (content) => published.has(contentKey(content)) && wants(content),
          workDir,
          quality,
          concurrency: renderConcurrency(),
          emit: async () => {},
        });
      const full = pyramid.fullLevel.index;
      // Level 0's tiles, and full/max (level 0 unless FULL_MAX_SIZE caps it).
      await measure(totals, 'levelZero', () =>
        render(full + 1, (content) => content.level === 0 || (content.kind === 'level' && content.level === full)),
      );
      await measure(totals, 'complete', () => render(pyramid.levels.length, () => true));
      await releasePixels(decoded.pixels);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
  const result: FloorResult = totals;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`floor benchmark child failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
