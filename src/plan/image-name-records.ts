import type { StateLocation } from '../run/run-records.js';
import { getJson, putJsonBytes, type Storage } from '../storage/storage.js';
import { collectionKey, joinKey, type Task } from '../task/task.js';
import { forEachLimited } from '../util/for-each-limited.js';
import type { JsonBytes } from '../util/json-bytes.js';
import { WorkPool } from '../util/work-pool.js';

/**
 * `{state.prefix}/names/{destBucket}/{DEST_PREFIX}/{COLLECTION}/{item}.json`: the image name each
 * file of an item was published under (file name → image name). Read when planning, so a file keeps
 * its name on every later run (see `imageNames`); written with the run's records when an item's
 * names change (files added or removed). One small document per item, on one line.
 */
export interface ImageNameRecord {
  readonly item: string;
  /** Image name by file name (not key): a folder moved under `Access/` keeps its names. */
  readonly names: Readonly<Record<string, string>>;
}

/** One item whose names are to be recorded. */
export interface ItemNames {
  readonly item: string;
  readonly names: ReadonlyMap<string, string>;
}

/** Reads and writes in flight at once. */
const CONCURRENCY = 16;

/** The prefix of a collection's name records, ending with `/`. */
export function imageNameRecordsPrefix(state: StateLocation, task: Task): string {
  return `${joinKey(state.prefix, 'names', task.destBucket, collectionKey(task))}/`;
}

/**
 * The recorded names of every item of the task's collection: one listing of the collection's
 * records, then one read per item that has one.
 *
 * @returns image names by file name, by item
 */
export async function readImageNameRecords(
  storage: Storage,
  state: StateLocation,
  task: Task,
): Promise<Map<string, Map<string, string>>> {
  const prefix = imageNameRecordsPrefix(state, task);
  const keys: string[] = [];
  for await (const object of storage.list(state.bucket, prefix)) {
    const rest = object.key.slice(prefix.length);
    if (!rest.includes('/') && rest.endsWith('.json')) keys.push(object.key);
  }
  const records = new Map<string, Map<string, string>>();
  await forEachLimited(keys, CONCURRENCY, async (key) => {
    const record = await getJson<ImageNameRecord>(storage, state.bucket, key);
    records.set(record.item, new Map(Object.entries(record.names)));
  });
  return records;
}

/**
 * Record the names of items whose names changed, taking each item from `items` only when a write
 * can start (a million images' names are never all held at once, nor long enough to be kept by the
 * garbage collector's old generation). Each record is written as `putJson` would write it, from a
 * buffer kept for the next (`putJsonBytes`).
 */
export async function writeImageNameRecords(
  storage: Storage,
  state: StateLocation,
  task: Task,
  items: Iterable<ItemNames>,
): Promise<void> {
  const prefix = imageNameRecordsPrefix(state, task);
  const writes = new WorkPool(CONCURRENCY);
  const buffers: JsonBytes[] = [];
  for (const { item, names } of items) {
    await writes.start(() =>
      putJsonBytes(storage, state.bucket, `${prefix}${item}.json`, buffers, (out) => {
        out.raw('{"item":').string(item).raw(',"names":{');
        let first = true;
        for (const [fileName, name] of names) {
          out.raw(first ? '' : ',').string(fileName);
          out.raw(':').string(name);
          first = false;
        }
        out.raw('}}');
      }),
    );
  }
  await writes.drain();
}
