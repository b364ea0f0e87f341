import { mkdir, symlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src/log.js';
import { sourceFormat } from '../src/plan/source-format.js';
import { tileImage } from '../src/shard-worker/tile-image.js';
import { FsStorage } from '../src/storage/fs-storage.js';
import { parseTaskFile } from '../src/task/parse-task-file.js';
import { benchTaskFile } from './bench-task.js';
import { peakRssMiB } from './peak-rss.js';

/**
 * Benchmark child: publish one image with the shard worker's `tileImage` into a filesystem store
 * under OUT_DIR (source bucket `src` links to the image, destination bucket `pub`), and print one
 * JSON line with the outcome, the seconds `tileImage` took and this process's peak resident memory.
 *
 * Usage: node dist/bench/tile-child.js SOURCE OUT_DIR TILE_SIZE JPEG_QUALITY
 */

export interface TileBenchResult {
  readonly status: 'tiled' | 'skipped' | 'failed';
  readonly reason?: string;
  readonly width?: number;
  readonly height?: number;
  readonly tileCount?: number;
  readonly bytes?: number;
  readonly seconds: number;
  readonly maxRssMiB: number;
}

async function main(): Promise<void> {
  const [source, outDir, tileSize, quality] = process.argv.slice(2);
  if (source === undefined || outDir === undefined || tileSize === undefined || quality === undefined) {
    throw new Error('Usage: tile-child.js SOURCE OUT_DIR TILE_SIZE JPEG_QUALITY');
  }
  const name = basename(source);
  const format = sourceFormat(name);
  if (format === undefined) throw new Error(`Not an image by its extension: ${name}`);
  await mkdir(join(outDir, 'src', 'bench'), { recursive: true });
  await mkdir(join(outDir, 'tmp'), { recursive: true });
  await symlink(resolve(source), join(outDir, 'src', 'bench', name));
  const storage = new FsStorage(outDir);
  const info = await storage.head('src', `bench/${name}`);
  if (info === undefined) throw new Error(`Cannot see ${source} through the store`);
  const task = parseTaskFile(
    benchTaskFile({ id: 'bench', accessDir: 'bench', settings: { TILE_SIZE: tileSize, JPEG_QUALITY: quality } }),
    'bench task',
  );
  const started = performance.now();
  const result = await tileImage(
    { storage, logger: silentLogger, tempDir: join(outDir, 'tmp') },
    {
      task,
      image: {
        item: 'item',
        sourceKey: `bench/${name}`,
        name: name.replace(/\.[^.]+$/, ''),
        format,
        bytes: info.size,
        etag: info.etag,
      },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const output: TileBenchResult = {
    status: result.status,
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    ...(result.image === undefined ? {} : { width: result.image.width, height: result.image.height }),
    ...(result.tileCount === undefined ? {} : { tileCount: result.tileCount }),
    ...(result.bytes === undefined ? {} : { bytes: result.bytes }),
    seconds,
    maxRssMiB: peakRssMiB(),
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`tile benchmark child failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
