import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { NotFoundError } from '../src/errors.js';
import { silentLogger } from '../src/log.js';
import { RunStore } from '../src/run/run-store.js';
import type { Body, ObjectInfo, PutOptions, Storage } from '../src/storage/storage.js';
import { submitRun } from '../src/submitter/submit-run.js';
import { parseTaskFile } from '../src/task/parse-task-file.js';
import { benchTaskFile } from './bench-task.js';
import { peakRssMiB } from './peak-rss.js';

/**
 * Benchmark child: the submitter's real planning (`submitRun`: list → count pages → items → shards →
 * run, items and shard records) over a synthetic listing of `keyCount` keys, against a store that
 * generates the listing page by page, answers TIFF header reads with a one-page TIFF, and measures
 * (then drops) what is written. Prints one JSON line with the CPU time, peak RSS and record sizes.
 * Run in its own process so the memory figures are the planner's alone.
 *
 * Usage: node dist/bench/plan-child.js KEY_COUNT
 */

export interface PlanBenchResult {
  readonly keys: number;
  readonly items: number;
  readonly images: number;
  readonly shards: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMiB: number;
  /** Every record under the run (run, items, shards, attempt), in bytes. */
  readonly recordBytes: number;
  readonly itemsRecordBytes: number;
  readonly largestShardRecordBytes: number;
  readonly records: number;
}

const ACCESS_DIR = 'Special_Collections/Ms2016_012';
const IMAGES_PER_FOLDER = 40;

/** A one-page little-endian TIFF header: one IFD, no next IFD. */
const ONE_PAGE_TIFF = (() => {
  const bytes = Buffer.alloc(8 + 2 + 12 + 4);
  bytes.write('II', 0, 'latin1');
  bytes.writeUInt16LE(42, 2);
  bytes.writeUInt32LE(8, 4);
  bytes.writeUInt16LE(1, 8);
  bytes.writeUInt16LE(256, 10); // ImageWidth
  bytes.writeUInt16LE(3, 12);
  bytes.writeUInt32LE(1, 14);
  bytes.writeUInt32LE(100, 18);
  bytes.writeUInt32LE(0, 22);
  return bytes;
})();

/** A listing like S3's ListObjectsV2 in key order, with a non-image file per folder. */
function* syntheticListing(keyCount: number): Iterable<ObjectInfo> {
  const lastModified = new Date('2024-01-01T00:00:00Z');
  let emitted = 0;
  for (let folder = 1; emitted < keyCount; folder += 1) {
    const box = Math.ceil(folder / 50);
    const prefix = `${ACCESS_DIR}/Box${box}/Box${box}_Folder${folder}/Access`;
    for (let index = 1; index <= IMAGES_PER_FOLDER + 1 && emitted < keyCount; index += 1) {
      const isExtra = index === IMAGES_PER_FOLDER + 1;
      const isTiff = folder % 3 !== 0;
      const key = isExtra ? `${prefix}/Thumbs.db` : `${prefix}/page${index}.${isTiff ? 'tif' : 'jpg'}`;
      const size = isExtra ? 4096 : isTiff ? 40_000_000 + ((folder * 7919 + index * 104_729) % 120_000_000) : 3_000_000;
      yield { key, size, etag: `"${(folder * 1_000 + index).toString(16).padStart(32, '0')}"`, lastModified };
      emitted += 1;
    }
  }
}

/**
 * Lists the synthetic listing and the CSV; counts what is written and keeps every record but the
 * item parts and shard descriptions: the run, lease and attempt records the submitter reads back,
 * the estimate and the image-name records.
 */
class SyntheticStore implements Storage {
  public written = new Map<string, number>();
  private readonly kept = new Map<string, Buffer>();
  public constructor(private readonly keyCount: number) {}
  public describe(bucket: string, key: string): string {
    return `bench://${bucket}/${key}`;
  }
  public async *list(_bucket: string, prefix: string): AsyncIterable<ObjectInfo> {
    if (prefix.startsWith(ACCESS_DIR)) {
      yield* syntheticListing(this.keyCount);
      return;
    }
    const lastModified = new Date();
    for (const [key, bytes] of [...this.kept].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (key.startsWith(prefix)) yield { key, size: bytes.length, etag: `"${bytes.length}"`, lastModified };
    }
  }
  public async *listFolders(): AsyncIterable<string> {}
  public async head(): Promise<ObjectInfo | undefined> {
    return undefined;
  }
  public async getStream(bucket: string, key: string): Promise<Readable> {
    return Readable.from([await this.getBytes(bucket, key)]);
  }
  public async getBytes(bucket: string, key: string): Promise<Buffer> {
    if (key.endsWith('.csv')) return Buffer.from('identifier,title\nMs2016_012,"Bench"\n');
    const kept = this.kept.get(key);
    if (kept !== undefined) return kept;
    if (this.written.has(key)) throw new Error(`unexpected read of ${key} (an items or shard record)`);
    throw new NotFoundError(bucket, key);
  }
  public async getRange(_bucket: string, _key: string, start: number, length: number): Promise<Buffer> {
    return ONE_PAGE_TIFF.subarray(start, start + length);
  }
  public async put(_bucket: string, key: string, body: Body, _options?: PutOptions): Promise<void> {
    this.written.set(key, typeof body === 'string' ? Buffer.byteLength(body) : body.length);
    // A copy: the planner reuses the buffers it writes from.
    if (!key.includes('/shards/') && !/\/items/.test(key)) this.kept.set(key, Buffer.from(body));
  }
  public async putIfAbsent(bucket: string, key: string, body: Body, options?: PutOptions): Promise<boolean> {
    if (this.written.has(key)) return false;
    await this.put(bucket, key, body, options);
    return true;
  }
  public async delete(_bucket: string, key: string): Promise<void> {
    this.written.delete(key);
    this.kept.delete(key);
  }
}

async function main(): Promise<void> {
  const keyCount = Number(process.argv[2] ?? '1000000');
  if (!Number.isInteger(keyCount) || keyCount < 1) {
    throw new Error(`Expected a positive integer key count but received "${process.argv[2]}"`);
  }
  const task = parseTaskFile(benchTaskFile({ id: 'Ms2016_012', accessDir: ACCESS_DIR }), 'bench task');
  const storage = new SyntheticStore(keyCount);
  const runStore = new RunStore(storage, { bucket: 'state', prefix: '_iiif-batch' });
  const cpu = process.cpuUsage();
  const start = performance.now();
  const outcome = await submitRun(
    {
      storage,
      runStore,
      logger: silentLogger,
      launcher: {
        kind: 'batch',
        waitsForJobs: false,
        launch: async () => ({ shardJobId: 'shards', assemblerJobId: 'assembler', completed: false }),
      },
    },
    { task, runId: 'bench-run', source: { location: 'bench://task.json' } },
  );
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  if (outcome.status !== 'submitted') throw new Error('the synthetic run was not submitted');
  const sizes = [...storage.written.entries()];
  const result: PlanBenchResult = {
    keys: keyCount,
    items: outcome.counts.items,
    images: outcome.counts.images,
    shards: outcome.counts.shards,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    maxRssMiB: peakRssMiB(),
    recordBytes: sizes.reduce((sum, [, bytes]) => sum + bytes, 0),
    itemsRecordBytes: sizes.filter(([key]) => /\/items/.test(key)).reduce((sum, [, bytes]) => sum + bytes, 0),
    largestShardRecordBytes: Math.max(0, ...sizes.filter(([key]) => key.includes('/shards/')).map(([, b]) => b)),
    records: sizes.length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`plan benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
