import { NotFoundError, RunRecordError } from '../errors.js';
import { getJson, getJsonIfExists, putJson, putJsonBytes, type Storage } from '../storage/storage.js';
import type { JsonBytes } from '../util/json-bytes.js';
import { type CompactItem, type CompactItemsJson, expandImages, expandItem } from './compact-images.js';
import type {
  AttemptRecord,
  PlannedItem,
  RunEstimateRecord,
  RunRecord,
  RunReport,
  ShardDescription,
  ShardRecord,
  ShardResult,
  StateLocation,
} from './run-records.js';

/**
 * Run records, in one documented layout under `{state.bucket}/{state.prefix}/runs/{runId}/`:
 *
 * - `run.json`              the run (task, counts), created once with a conditional write
 * - `items/{p}.json`        every item and its images in order (for the assembler), in parts of
 *                           `ITEMS_PER_PART` items (one line each: a million images' worth stays small)
 * - `shards/{n}.json`       shard n's images: all a worker reads
 *
 * Item parts and shard descriptions store their images compactly (`CompactItem`: grouped by item,
 * each by its file name in the item's folder): they are written in that form (`compactItem` and
 * `compactImages` make it from whole records; the planner writes it from its columns, see
 * `CompactItemsJson`) and `getItems` and `getShard` return them whole.
 * - `attempts/{a}.json`     submission a: which shards, which jobs
 * - `results/{n}.json`      shard n's per-image results, written when the worker finishes
 * - `estimate.json`         the estimate made from the plan when the run was submitted
 * - `report.json`           the run report, written by the assembler
 * - `error.json`            why a task was rejected (cloud submitter)
 *
 * Shard descriptions and item parts are compact JSON on one line; the others are pretty-printed.
 * Shard, part and attempt numbers are zero-padded to 5 digits so listings sort numerically.
 */
export class RunStore {
  /** Buffers of the compact records being written, kept for the next (one per write in flight). */
  private readonly buffers: JsonBytes[] = [];

  public constructor(
    public readonly storage: Storage,
    public readonly state: StateLocation,
  ) {}

  public runKey(runId: string, name: string): string {
    return [this.state.prefix, 'runs', runId, name].filter((part) => part !== '').join('/');
  }

  public describe(runId: string, name = ''): string {
    return this.storage.describe(this.state.bucket, this.runKey(runId, name));
  }

  /** Create `run.json`; `false` when the run already exists (nothing written). */
  public async createRun(record: RunRecord): Promise<boolean> {
    const body = `${JSON.stringify(record, null, 2)}\n`;
    return this.storage.putIfAbsent(this.state.bucket, this.runKey(record.runId, 'run.json'), body, {
      contentType: 'application/json',
    });
  }

  /** Remove `run.json` again (a submission that could not be launched releases its claim). */
  public async deleteRun(runId: string): Promise<void> {
    await this.storage.delete(this.state.bucket, this.runKey(runId, 'run.json'));
  }

  public async getRun(runId: string): Promise<RunRecord> {
    try {
      return await getJson<RunRecord>(this.storage, this.state.bucket, this.runKey(runId, 'run.json'));
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new RunRecordError(`No run "${runId}" at ${this.describe(runId, 'run.json')}`, runId, { cause: error });
      }
      throw error;
    }
  }

  public async findRun(runId: string): Promise<RunRecord | undefined> {
    return getJsonIfExists<RunRecord>(this.storage, this.state.bucket, this.runKey(runId, 'run.json'));
  }

  /** Every run id in the state location, oldest first by id. */
  public async *listRunIds(): AsyncIterable<string> {
    const prefix = `${[this.state.prefix, 'runs'].filter((part) => part !== '').join('/')}/`;
    for await (const object of this.storage.list(this.state.bucket, prefix)) {
      const rest = object.key.slice(prefix.length);
      const [runId, name] = rest.split('/');
      if (runId !== undefined && name === 'run.json') yield runId;
    }
  }

  /**
   * The recorded run whose id ends with `suffix` (a run id's version digest, see `taskRunId`), if
   * any. Lists one level of run folders, never the records below them.
   */
  public async findRunEndingWith(suffix: string): Promise<RunRecord | undefined> {
    const prefix = `${[this.state.prefix, 'runs'].filter((part) => part !== '').join('/')}/`;
    for await (const folder of this.storage.listFolders(this.state.bucket, prefix)) {
      const runId = folder.slice(prefix.length).replace(/\/$/, '');
      if (runId.endsWith(suffix)) {
        const run = await this.findRun(runId);
        if (run !== undefined) return run;
      }
    }
    return undefined;
  }

  /**
   * Write the item list in parts of `ITEMS_PER_PART`: objects, or items that write their own JSON
   * (the planner's columns, see `CompactItemsJson`), one part at a time.
   */
  public async putItems(runId: string, items: readonly CompactItem[] | CompactItemsJson): Promise<void> {
    const list = itemsJson(items);
    for (let part = 0, first = 0; part === 0 || first < list.count; part++, first += ITEMS_PER_PART) {
      await this.putCompact(this.runKey(runId, shardName('items', part)), (out) => {
        out.raw('{"runId":').string(runId).raw(`,"part":${part},"items":`);
        writeItems(out, list, first, Math.min(list.count, first + ITEMS_PER_PART));
        out.raw('}');
      });
    }
  }

  /** Every item of the run in order, from its parts. */
  public async getItems(runId: string): Promise<readonly PlannedItem[]> {
    const keys: string[] = [];
    for await (const object of this.storage.list(this.state.bucket, `${this.runKey(runId, 'items')}/`)) {
      if (object.key.endsWith('.json')) keys.push(object.key);
    }
    if (keys.length === 0) {
      throw new RunRecordError(`Run "${runId}" has no items at ${this.describe(runId, 'items/')}`, runId);
    }
    const items: PlannedItem[] = [];
    for (const key of keys.sort()) {
      const part = await getJson<{ items: CompactItem[] }>(this.storage, this.state.bucket, key);
      for (const item of part.items) items.push(expandItem(item));
    }
    return items;
  }

  /** Write shard n's description; its items as objects or writing their own JSON (see `putItems`). */
  public async putShard(
    record: Omit<ShardRecord, 'items'> & { readonly items: ShardRecord['items'] | CompactItemsJson },
  ): Promise<void> {
    const list = itemsJson(record.items);
    await this.putCompact(this.runKey(record.runId, shardName('shards', record.shard)), (out) => {
      // Every field as `JSON.stringify` writes the record (its order; undefined left out), the items
      // from `list`: a field added to the record is written without a change here.
      let first = true;
      for (const [field, value] of Object.entries(record)) {
        if (value === undefined) continue;
        out
          .raw(first ? '{' : ',')
          .string(field)
          .raw(':');
        if (field === 'items') writeItems(out, list, 0, list.count);
        else out.value(value);
        first = false;
      }
      out.raw('}');
    });
  }

  public async getShard(runId: string, shard: number): Promise<ShardDescription> {
    const stored = await this.required<ShardRecord | ShardDescription>(runId, shardName('shards', shard));
    if (!('items' in stored)) return stored; // written before images were compact
    const { items, ...rest } = stored;
    return { ...rest, images: expandImages(items) };
  }

  public async putAttempt(record: AttemptRecord): Promise<void> {
    await putJson(
      this.storage,
      this.state.bucket,
      this.runKey(record.runId, shardName('attempts', record.attempt)),
      record,
    );
  }

  public async getAttempt(runId: string, attempt: number): Promise<AttemptRecord | undefined> {
    return getJsonIfExists<AttemptRecord>(
      this.storage,
      this.state.bucket,
      this.runKey(runId, shardName('attempts', attempt)),
    );
  }

  /** Every attempt of a run, in order. */
  public async listAttempts(runId: string): Promise<AttemptRecord[]> {
    const attempts: AttemptRecord[] = [];
    for await (const object of this.storage.list(this.state.bucket, `${this.runKey(runId, 'attempts')}/`)) {
      if (object.key.endsWith('.json'))
        attempts.push(await getJson<AttemptRecord>(this.storage, this.state.bucket, object.key));
    }
    return attempts.sort((a, b) => a.attempt - b.attempt);
  }

  /**
   * Which original shard child `childIndex` of `attempt` tiles. Attempt 1 covers every shard in
   * order, so child i is shard i without a read; later attempts read their attempt record.
   */
  public async shardForChild(runId: string, attempt: number, childIndex: number): Promise<number> {
    if (attempt === 1) return childIndex;
    const record = await this.getAttempt(runId, attempt);
    if (record === undefined) {
      throw new RunRecordError(
        `Run "${runId}" has no attempt ${attempt} at ${this.describe(runId, shardName('attempts', attempt))}`,
        runId,
      );
    }
    const shard = record.shards[childIndex];
    if (shard === undefined) {
      throw new RunRecordError(
        `Attempt ${attempt} of run "${runId}" covers ${record.shards.length} shards; there is no child ${childIndex}`,
        runId,
      );
    }
    return shard;
  }

  public async putResult(result: ShardResult): Promise<void> {
    await putJson(
      this.storage,
      this.state.bucket,
      this.runKey(result.runId, shardName('results', result.shard)),
      result,
    );
  }

  public async getResult(runId: string, shard: number): Promise<ShardResult | undefined> {
    return getJsonIfExists<ShardResult>(
      this.storage,
      this.state.bucket,
      this.runKey(runId, shardName('results', shard)),
    );
  }

  /** `estimate.json`: what the plan estimated, for `report` to show beside what was measured. */
  public async putEstimate(record: RunEstimateRecord): Promise<void> {
    await putJson(this.storage, this.state.bucket, this.runKey(record.runId, 'estimate.json'), record);
  }

  /** The recorded estimate; absent for runs submitted before estimates were recorded. */
  public async getEstimate(runId: string): Promise<RunEstimateRecord | undefined> {
    return getJsonIfExists<RunEstimateRecord>(this.storage, this.state.bucket, this.runKey(runId, 'estimate.json'));
  }

  public async putReport(report: RunReport): Promise<void> {
    await putJson(this.storage, this.state.bucket, this.runKey(report.runId, 'report.json'), report);
  }

  public async getReport(runId: string): Promise<RunReport | undefined> {
    return getJsonIfExists<RunReport>(this.storage, this.state.bucket, this.runKey(runId, 'report.json'));
  }

  /** `error.json`: a readable reason a task could not be run. */
  public async putError(runId: string, error: { message: string; field?: string; source: string }): Promise<void> {
    await putJson(this.storage, this.state.bucket, this.runKey(runId, 'error.json'), {
      runId,
      at: new Date().toISOString(),
      ...error,
    });
  }

  /** Put a compact record (one line) that `write` writes, from a buffer kept for the next (`putJsonBytes`). */
  private async putCompact(key: string, write: (out: JsonBytes) => void): Promise<void> {
    await putJsonBytes(this.storage, this.state.bucket, key, this.buffers, write);
  }

  private async required<T>(runId: string, name: string): Promise<T> {
    try {
      return await getJson<T>(this.storage, this.state.bucket, this.runKey(runId, name));
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new RunRecordError(`Run "${runId}" has no ${name} at ${this.describe(runId, name)}`, runId, {
          cause: error,
        });
      }
      throw error;
    }
  }
}

function itemsJson(items: readonly CompactItem[] | CompactItemsJson): CompactItemsJson {
  if (!Array.isArray(items)) return items as CompactItemsJson;
  return { count: items.length, writeItem: (index, out) => out.value(items[index]) };
}

/** Items `first` to `end - 1` of `list` as a JSON array. */
function writeItems(out: JsonBytes, list: CompactItemsJson, first: number, end: number): void {
  out.raw('[');
  for (let index = first; index < end; index++) {
    if (index > first) out.raw(',');
    list.writeItem(index, out);
  }
  out.raw(']');
}

/** Items per part of a run's item list (a part of a million-image run is a few MB). */
export const ITEMS_PER_PART = 1000;

/** `shards/00007.json` */
export function shardName(folder: string, index: number): string {
  return `${folder}/${String(index).padStart(5, '0')}.json`;
}
