import { PlanError } from '../errors.js';
import type { PlannedImage, PlannedItem } from '../run/run-records.js';
import type { ListedObject, Storage } from '../storage/storage.js';
import { countPages } from './count-pages.js';
import { estimateSeconds } from './estimate-seconds.js';
import { groupItems, itemIdentifier } from './group-items.js';
import type { ItemNames } from './image-name-records.js';
import { naturalCompare } from './natural-compare.js';
import { NumberColumn } from './number-column.js';
import { sourceFormat } from './source-format.js';
import { TextArena } from './text-arena.js';

/** Listed images grouped and counted a batch of folders at a time (at least this many files). */
const BATCH_FILES = 2000;
/** Ignored keys kept for the run record. */
const IGNORED_SAMPLE = 50;

/**
 * A planned listing of `ACCESS_DIR` held compactly, so a task of a million images plans in a Lambda's
 * memory: items and images (as `groupItems` names and orders them, multi-page files as one image
 * per page) are kept as numbers and text in arenas, and turned into `PlannedItem`/`PlannedImage`
 * records only while their shard or item part is written.
 */
export interface ListingPlan {
  readonly objects: number;
  readonly ignored: number;
  /** The first ignored keys (not images by extension). */
  readonly ignoredSample: readonly string[];
  readonly itemCount: number;
  readonly imageCount: number;
  /** Estimated seconds of work per image, in image order (see `estimateSeconds`). */
  readonly costs: readonly number[];
  /**
   * Items whose image names differ from the recorded ones, to record (see `groupItems`): each made
   * from compact text while iterating, so a million names are not held as maps.
   */
  changedNames(): Iterable<ItemNames>;
  item(index: number): PlannedItem;
  image(index: number): PlannedImage;
}

/**
 * Read a listing once and plan its items and images: group by folder (`groupItems`), count the
 * pages of multi-page files (`countPages`, from small ranged reads), a batch of folders at a time.
 *
 * @throws PlanError when two folders give the same item identifier
 */
export async function planListing(
  listing: AsyncIterable<ListedObject>,
  options: {
    readonly storage: Storage;
    readonly bucket: string;
    readonly accessDir: string;
    readonly source: string;
    /** Image names by file name, by item, from earlier runs (see `readImageNameRecords`). */
    readonly recordedNames?: ReadonlyMap<string, ReadonlyMap<string, string>>;
    /** PDF_DPI: what a PDF page costs to render (see `estimateSeconds`). Default 300. */
    readonly pdfDpi?: number;
  },
): Promise<ListingPlan> {
  const { accessDir, source } = options;
  const files = new TextArena();
  const etags = new TextArena();
  const sizes = new NumberColumn('float64');
  const folderOf = new NumberColumn('int32');
  const folders: string[] = [];
  const filesOf: number[][] = [];
  const folderIds = new Map<string, number>();
  const ignoredSample: string[] = [];
  let objects = 0;
  let ignored = 0;
  for await (const { key, size, etag } of listing) {
    objects++;
    if (key.endsWith('/')) continue; // a folder marker, not a file
    if (sourceFormat(key) === undefined) {
      ignored++;
      if (ignoredSample.length < IGNORED_SAMPLE) ignoredSample.push(key);
      continue;
    }
    const slash = key.lastIndexOf('/');
    const folder = key.slice(0, Math.max(0, slash));
    let folderId = folderIds.get(folder);
    if (folderId === undefined) {
      folderId = folders.length;
      folders.push(folder);
      filesOf.push([]);
      folderIds.set(folder, folderId);
    }
    const entry = files.add(key.slice(slash + 1));
    etags.add(etag);
    sizes.push(size);
    folderOf.push(folderId);
    filesOf[folderId]?.push(entry);
  }

  // Items in natural order of their identifiers, as `groupItems` orders them.
  const byId = new Map<string, string>();
  const order = folders.map((folder, id) => ({ id, item: itemIdentifier(folder, accessDir) }));
  order.sort((a, b) => naturalCompare(a.item, b.item));
  for (const { id, item } of order) {
    const other = byId.get(item);
    const folder = folders[id] ?? '';
    if (other !== undefined) {
      throw new PlanError(
        `${source}: two folders give the item identifier "${item}": "${other}" and "${folder}"; item identifiers must be unique in a collection`,
        { source, field: 'ACCESS_DIR' },
      );
    }
    byId.set(item, folder);
  }

  const keyOf = (folder: string, entry: number): string => (folder === '' ? '' : `${folder}/`) + files.get(entry);
  const items: { id: string; folder: string; first: number; end: number }[] = [];
  const entries = new NumberColumn('int32');
  const names = new TextArena();
  const paged = new Map<number, { page: number; pages: number }>();
  const costs = new NumberColumn('float64');
  // Changed names as file name, image name pairs of text (see `ListingPlan.changedNames`).
  const changedText = new TextArena();
  const changed: { item: string; first: number; end: number }[] = [];
  for (let start = 0; start < order.length; ) {
    const batch: ListedObject[] = [];
    const entryOf = new Map<string, number>();
    let end = start;
    while (end < order.length && batch.length < BATCH_FILES) {
      const id = order[end++]?.id ?? 0;
      for (const entry of filesOf[id] ?? []) {
        const key = keyOf(folders[id] ?? '', entry);
        batch.push({ key, size: sizes.get(entry), etag: etags.get(entry) });
        entryOf.set(key, entry);
      }
    }
    start = end;
    const pages = await countPages(options.storage, options.bucket, batch);
    const grouping = groupItems(batch, accessDir, source, pages, options.recordedNames);
    for (const { item, names: itemNames } of grouping.changedNames) {
      const first = changed.length === 0 ? 0 : (changed[changed.length - 1]?.end ?? 0);
      for (const [fileName, name] of itemNames) {
        changedText.add(fileName);
        changedText.add(name);
      }
      changed.push({ item, first, end: first + itemNames.size * 2 });
    }
    let image = 0;
    for (const item of grouping.items) {
      const first = entries.length;
      for (const planned of item.images) {
        const details = grouping.images[image++];
        if (details === undefined) throw new Error(`groupItems listed ${planned.sourceKey} in items but not images`);
        entries.push(entryOf.get(planned.sourceKey) ?? -1);
        names.add(planned.name);
        if (details.page !== undefined) paged.set(costs.length, { page: details.page, pages: details.pages ?? 1 });
        costs.push(estimateSeconds(details, options.pdfDpi));
      }
      items.push({ id: item.id, folder: item.folder, first, end: entries.length });
    }
  }

  const image = (index: number, item: string): PlannedImage => {
    const entry = entries.get(index);
    const sourceKey = keyOf(folders[folderOf.get(entry)] ?? '', entry);
    const pages = paged.get(index);
    return {
      item,
      sourceKey,
      name: names.get(index),
      format: sourceFormat(sourceKey) ?? 'jpeg',
      bytes: sizes.get(entry),
      etag: etags.get(entry),
      ...(pages === undefined ? {} : pages),
    };
  };
  const itemOfImage = (index: number): string => {
    let low = 0;
    let high = items.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((items[middle]?.first ?? 0) <= index) low = middle;
      else high = middle - 1;
    }
    return items[low]?.id ?? '';
  };
  return {
    objects,
    ignored,
    ignoredSample,
    itemCount: items.length,
    imageCount: entries.length,
    costs: costs.toArray(),
    *changedNames() {
      for (const { item, first, end } of changed) {
        const names = new Map<string, string>();
        for (let at = first; at < end; at += 2) names.set(changedText.get(at), changedText.get(at + 1));
        yield { item, names };
      }
    },
    item: (index) => {
      const item = items[index];
      if (item === undefined) throw new RangeError(`Expected an item below ${items.length} but received ${index}`);
      const images: PlannedItem['images'][number][] = [];
      for (let at = item.first; at < item.end; at++) {
        const { name, sourceKey, page } = image(at, item.id);
        images.push({ name, sourceKey, ...(page === undefined ? {} : { page }) });
      }
      return { id: item.id, folder: item.folder, images };
    },
    image: (index) => image(index, itemOfImage(index)),
  };
}
