import { PlanError } from '../errors.js';
import { type CompactImage, type CompactItem, type CompactItemsJson, expandItem } from '../run/compact-images.js';
import type { PlannedImage, PlannedItem, SourceFormat } from '../run/run-records.js';
import type { ListedObject, Storage } from '../storage/storage.js';
import { type Deadline, deadlinePassed } from '../util/deadline.js';
import type { JsonBytes } from '../util/json-bytes.js';
import { WorkPool } from '../util/work-pool.js';
import { countPages, mayHavePages } from './count-pages.js';
import { estimateSeconds } from './estimate-seconds.js';
import { EtagColumn } from './etag-column.js';
import { ImageNameColumn } from './image-name-column.js';
import type { ItemNames } from './image-name-records.js';
import { itemIdentifier } from './item-identifier.js';
import { nameItemImages } from './name-item-images.js';
import { naturalCompare } from './natural-compare.js';
import { NumberColumn } from './number-column.js';
import { sourceFormat } from './source-format.js';
import { TextArena } from './text-arena.js';

/** Header reads in flight at once while counting pages (they overlap the listing's own requests). */
const COUNT_CONCURRENCY = 32;
/** Ignored keys kept for the run record. */
const IGNORED_SAMPLE = 50;
/** Each listed file's format as its index here (one byte a file). */
const FORMATS: readonly SourceFormat[] = ['jpeg', 'tiff', 'png', 'webp', 'gif', 'jp2', 'pdf'];

/** What an estimate needs of one image, without its names and keys. */
export interface ImageSource {
  /** Which listed file the image is (or is a page of): the same number for every page of a file. */
  readonly file: number;
  readonly format: SourceFormat;
  /** Size of the whole source file. */
  readonly bytes: number;
  /** Which page (1-based) and of how many: only for files of more than one page. */
  readonly page?: number;
  readonly pages?: number;
}

/**
 * A planned listing of `ACCESS_DIR` held compactly, so a task of a million images plans in a Lambda's
 * memory: items and images (named and ordered by `nameItemImages`, multi-page files as one image
 * per page) are kept as numbers and text in columns, and written from there as JSON (item parts,
 * shard descriptions: `CompactItemsJson`) without being made into records.
 */
export interface ListingPlan {
  readonly objects: number;
  readonly ignored: number;
  /** The first ignored keys (not images by extension). */
  readonly ignoredSample: readonly string[];
  readonly itemCount: number;
  readonly imageCount: number;
  /**
   * Estimated seconds of work per image, in image order (see `estimateSeconds`): made from the
   * columns by each call (for planning shards), not kept.
   */
  costs(): Float64Array;
  /**
   * Items whose image names differ from the recorded ones (new items, files added or removed), to
   * record: each made from the columns while iterating, so a million names are not held as maps.
   */
  changedNames(): Iterable<ItemNames>;
  item(index: number): PlannedItem;
  /** Every item as its item part stores it: image and file names (see `CompactItem`). */
  readonly items: CompactItemsJson;
  image(index: number): PlannedImage;
  /**
   * Images `first` to `end - 1` grouped by item, as a shard description stores them: with their
   * size and ETag, written straight from the columns (no key is built and cut up again).
   */
  shardItems(first: number, end: number): CompactItemsJson;
  source(index: number): ImageSource;
}

/**
 * Read a listing once and plan its items and images. While the listing arrives, each image file
 * is kept as a few numbers, its name as text and its ETag as a digest (`EtagColumn`), and the
 * pages of multi-page files are counted (`countPages`, small ranged reads, a few dozen at a time).
 * Then every folder that directly holds images becomes an item (`itemIdentifier`), items in
 * natural order of their identifiers, each item's images ordered and named by `nameItemImages`
 * (names kept only where their file does not give them: `ImageNameColumn`).
 *
 * @throws PlanError when two folders give the same item identifier, or when the deadline passes
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
    /** When listing and counting pages must be done by (the submitter Lambda's time). None: no limit. */
    readonly deadline?: Deadline;
  },
): Promise<ListingPlan> {
  const { storage, bucket, accessDir, source } = options;
  // Listed image files, in listing order: name (not key), ETag, size, folder, format.
  const fileNames = new TextArena();
  const etags = new EtagColumn();
  const sizes = new NumberColumn('float64');
  const folderOf = new NumberColumn('int32');
  const formatOf = new NumberColumn('uint8');
  const folders: string[] = [];
  const folderIds = new Map<string, number>();
  /** Page counts above 1, by file. */
  const pagesOf = new Map<number, number>();
  const counting = new WorkPool(COUNT_CONCURRENCY);
  const ignoredSample: string[] = [];
  let objects = 0;
  let ignored = 0;
  let folder = '';
  let folderId = -1;
  const { deadline } = options;
  const started = deadline?.now() ?? 0;
  let toCount = 0;
  let counted = 0;
  const outOfTime = (): PlanError =>
    new PlanError(
      `${source}: the submitter ran out of time planning the run: in ${Math.round(((deadline?.now() ?? 0) - started) / 1000)} s ` +
        `it listed ${objects} objects and counted the pages of ${counted} of the ${toCount} TIFF and PDF files found so far ` +
        '(a ranged read of each). Split the collection into several task files (an ACCESS_DIR a box), ' +
        'or give the submitter more time (submitter.timeoutSeconds, at most 900)',
      { source, field: 'ACCESS_DIR' },
    );
  for await (const { key, size, etag } of listing) {
    if (deadlinePassed(deadline)) throw outOfTime();
    objects++;
    if (key.endsWith('/')) continue; // a folder marker, not a file
    const format = sourceFormat(key);
    if (format === undefined) {
      ignored++;
      if (ignoredSample.length < IGNORED_SAMPLE) ignoredSample.push(key);
      continue;
    }
    const slash = key.lastIndexOf('/');
    // A listing is in key order: most keys are in the folder of the key before.
    if (folderId < 0 || Math.max(0, slash) !== folder.length || !key.startsWith(folder)) {
      folder = key.slice(0, Math.max(0, slash));
      folderId = folderIds.get(folder) ?? folders.length;
      if (folderId === folders.length) {
        folders.push(folder);
        folderIds.set(folder, folderId);
      }
    }
    const file = fileNames.add(key.slice(slash + 1));
    etags.push(etag);
    sizes.push(size);
    folderOf.push(folderId);
    formatOf.push(FORMATS.indexOf(format));
    if (mayHavePages(format) && size > 0) {
      toCount++;
      await counting.start(async () => {
        if (deadlinePassed(deadline)) throw outOfTime();
        const pages = await countPages(storage, bucket, { key, size, etag }, format);
        if (pages > 1) pagesOf.set(file, pages);
        counted++;
      });
    }
  }
  await counting.drain();

  // Items in natural order of their identifiers; each identifier once.
  const order = folders.map((name, id) => ({ id, item: itemIdentifier(name, accessDir) }));
  order.sort((a, b) => naturalCompare(a.item, b.item));
  for (let at = 1; at < order.length; at++) {
    const [before, current] = [order[at - 1], order[at]];
    if (before !== undefined && current !== undefined && before.item === current.item) {
      const [first, second] = [folders[before.id], folders[current.id]].sort();
      throw new PlanError(
        `${source}: two folders give the item identifier "${current.item}": "${first}" and "${second}"; item identifiers must be unique in a collection`,
        { source, field: 'ACCESS_DIR' },
      );
    }
  }

  // The files of each folder, in listing order (a counting sort by folder).
  const fileCount = folderOf.length;
  const folderStart = new Int32Array(folders.length + 1);
  for (let file = 0; file < fileCount; file++) {
    const at = folderOf.get(file) + 1;
    folderStart[at] = (folderStart[at] as number) + 1;
  }
  for (let id = 0; id < folders.length; id++)
    folderStart[id + 1] = (folderStart[id + 1] as number) + (folderStart[id] as number);
  const byFolder = new Int32Array(fileCount);
  const next = folderStart.slice(0, folders.length);
  for (let file = 0; file < fileCount; file++) {
    const id = folderOf.get(file);
    byFolder[next[id] as number] = file;
    next[id] = (next[id] as number) + 1;
  }

  // Images, item by item: each image's file and name.
  const itemIds: string[] = [];
  const itemFolders: number[] = [];
  const itemFirst = new NumberColumn('int32');
  const imageFile = new NumberColumn('int32');
  const imageNames = new ImageNameColumn(fileNames);
  /** Multi-page files: the index of their first page's image, and their image name before `_p1`. */
  const firstPage = new Map<number, { readonly image: number; readonly name: string }>();
  const changed: number[] = [];
  for (const { id, item } of order) {
    const files = byFolder.subarray(folderStart[id], folderStart[id + 1]);
    const names = Array.from(files, (file) => fileNames.get(file));
    const named = nameItemImages(
      names,
      Array.from(files, (file) => pagesOf.get(file) ?? 1),
      options.recordedNames?.get(item),
    );
    if (named.changed) changed.push(itemIds.length);
    itemIds.push(item);
    itemFolders.push(id);
    itemFirst.push(imageFile.length);
    named.order.forEach((at, position) => {
      const file = files[at] as number;
      const fileName = names[at] as string;
      const pageNames = named.imageNames[position] ?? [];
      const multiPage = pagesOf.has(file);
      if (multiPage) firstPage.set(file, { image: imageFile.length, name: named.names.get(fileName) ?? '' });
      pageNames.forEach((name, page) => {
        imageFile.push(file);
        imageNames.push(name, fileName, multiPage ? page + 1 : 0);
      });
    });
  }

  const itemOf = (image: number): number => {
    let low = 0;
    let high = itemFirst.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (itemFirst.get(middle) <= image) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  const imageEnd = (item: number): number => (item + 1 < itemFirst.length ? itemFirst.get(item + 1) : imageFile.length);
  const folderOfItem = (item: number): string => folders[itemFolders[item] ?? 0] ?? '';
  /** Which page image `index` is of its file, or 0 for a file of one page. */
  const pageOf = (index: number, file: number): number => {
    const first = pagesOf.size === 0 ? undefined : firstPage.get(file);
    return first === undefined ? 0 : index - first.image + 1;
  };
  const itemRecord = (index: number): CompactItem => {
    const id = itemIds[index];
    if (id === undefined) throw new RangeError(`Expected an item below ${itemIds.length} but received ${index}`);
    const images: CompactImage[] = [];
    for (let image = itemFirst.get(index); image < imageEnd(index); image++) {
      const { file, page } = sourceOf(image);
      const name = imageNames.get(image, file, page ?? 0);
      const fileName = fileNames.get(file);
      images.push(page === undefined ? { name, file: fileName } : { name, file: fileName, page });
    }
    return { id, folder: folderOfItem(index), images };
  };
  /**
   * Item `item`'s images from `first` to `end - 1` as JSON, as `CompactItem` (and `itemRecord`, and
   * `compactImages` for a shard, `withSource`) would be written.
   */
  const writeItem = (out: JsonBytes, item: number, first: number, end: number, withSource: boolean): void => {
    out
      .raw('{"id":')
      .string(itemIds[item] ?? '')
      .raw(',"folder":')
      .string(folderOfItem(item))
      .raw(',"images":[');
    for (let image = first; image < end; image++) {
      const file = imageFile.get(image);
      out.raw(image === first ? '{"name":' : ',{"name":');
      const page = pageOf(image, file);
      imageNames.writeJson(image, file, page, out);
      out.raw(',"file":');
      fileNames.writeJson(file, out);
      if (withSource) {
        out.raw(',"bytes":').number(sizes.get(file)).raw(',"etag":');
        etags.writeJson(file, out);
      }
      if (page > 0) {
        out.raw(',"page":').number(page);
        if (withSource) out.raw(',"pages":').number(pagesOf.get(file) ?? 1);
      }
      out.raw('}');
    }
    out.raw(']}');
  };
  const sourceOf = (index: number): ImageSource => {
    const file = imageFile.get(index);
    const format = FORMATS[formatOf.get(file)] ?? 'jpeg';
    const bytes = sizes.get(file);
    const page = pageOf(index, file);
    if (page === 0) return { file, format, bytes };
    return { file, format, bytes, page, pages: pagesOf.get(file) ?? 1 };
  };
  return {
    objects,
    ignored,
    ignoredSample,
    itemCount: itemIds.length,
    imageCount: imageFile.length,
    costs: () => {
      const costs = new Float64Array(imageFile.length);
      for (let image = 0; image < costs.length; image++) {
        const file = imageFile.get(image);
        const format = FORMATS[formatOf.get(file)] ?? 'jpeg';
        costs[image] = estimateSeconds({ format, bytes: sizes.get(file), pages: pagesOf.get(file) }, options.pdfDpi);
      }
      return costs;
    },
    *changedNames() {
      for (const item of changed) {
        const names = new Map<string, string>();
        for (let image = itemFirst.get(item); image < imageEnd(item); image++) {
          const file = imageFile.get(image);
          if (image > 0 && imageFile.get(image - 1) === file) continue; // a later page of the same file
          const fileName = fileNames.get(file);
          names.set(fileName, firstPage.get(file)?.name ?? imageNames.ofFile(image, fileName, 0));
        }
        yield { item: itemIds[item] ?? '', names };
      }
    },
    item: (index) => expandItem(itemRecord(index)),
    items: {
      count: itemIds.length,
      writeItem: (index, out) => writeItem(out, index, itemFirst.get(index), imageEnd(index), false),
    },
    image: (index) => {
      const { file, format, bytes, page, pages } = sourceOf(index);
      const item = itemOf(index);
      const folder = folderOfItem(item);
      const fileName = fileNames.get(file);
      const sourceKey = folder === '' ? fileName : `${folder}/${fileName}`;
      const name = imageNames.get(index, file, page ?? 0);
      const etag = etags.get(file);
      const id = itemIds[item] ?? '';
      if (page === undefined) return { item: id, sourceKey, name, format, bytes, etag };
      return { item: id, sourceKey, name, format, bytes, etag, page, pages };
    },
    shardItems: (first, end) => {
      const firstItem = itemOf(first);
      return {
        count: end > first ? itemOf(end - 1) - firstItem + 1 : 0,
        writeItem: (index, out) => {
          const item = firstItem + index;
          writeItem(out, item, Math.max(first, itemFirst.get(item)), Math.min(end, imageEnd(item)), true);
        },
      };
    },
    source: sourceOf,
  };
}
