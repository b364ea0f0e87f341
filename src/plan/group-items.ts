import { PlanError } from '../errors.js';
import type { PlannedImage, PlannedItem } from '../run/run-records.js';
import type { ListedObject } from '../storage/storage.js';
import type { ItemNames } from './image-name-records.js';
import { imageNames, pageNames } from './image-names.js';
import { naturalCompare } from './natural-compare.js';
import { sourceFormat } from './source-format.js';

export interface Grouping {
  /** Items in natural order of their identifiers. */
  readonly items: PlannedItem[];
  /** Every image, item by item, in natural file-name order. */
  readonly images: PlannedImage[];
  /** Keys that are not images by extension (hidden files included). */
  readonly ignored: string[];
  /** Items whose image names differ from `recordedNames` (new items, files added or removed): to record. */
  readonly changedNames: ItemNames[];
}

/**
 * Turn a listing of `ACCESS_DIR` into items. Each folder that directly holds images is one item;
 * its identifier is the folder's name, or its parent's name when the folder is called `Access`
 * (`…/Box2_Folder19/Access/p1.tif` is item `Box2_Folder19`).
 *
 * @param objects every object under `accessDir/`
 * @param accessDir the listed prefix, without trailing `/`
 * @param source how the listing is named in errors, e.g. `s3://img-src/Women_of_Design/Box2/`
 * @param pages page counts of multi-page files by key (see `countPages`): each page is an image
 *   of its own, in page order at its file's place
 * @param recordedNames image names by file name, by item, from earlier runs: kept (see `imageNames`)
 * @throws PlanError when two folders give the same identifier
 */
export function groupItems(
  objects: Iterable<ListedObject>,
  accessDir: string,
  source: string,
  pages: ReadonlyMap<string, number> = new Map(),
  recordedNames: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map(),
): Grouping {
  const folders = new Map<string, ListedObject[]>();
  const ignored: string[] = [];
  for (const object of objects) {
    if (object.key.endsWith('/')) continue; // a folder marker, not a file
    if (sourceFormat(object.key) === undefined) {
      ignored.push(object.key);
      continue;
    }
    const folder = object.key.slice(0, Math.max(0, object.key.lastIndexOf('/')));
    const list = folders.get(folder) ?? [];
    list.push(object);
    folders.set(folder, list);
  }

  const byId = new Map<string, string>();
  const items: PlannedItem[] = [];
  const images: PlannedImage[] = [];
  const changedNames: ItemNames[] = [];
  const sortedFolders = [...folders.keys()].sort((a, b) =>
    naturalCompare(itemIdentifier(a, accessDir), itemIdentifier(b, accessDir)),
  );
  for (const folder of sortedFolders) {
    const id = itemIdentifier(folder, accessDir);
    const other = byId.get(id);
    if (other !== undefined) {
      throw new PlanError(
        `${source}: two folders give the item identifier "${id}": "${other}" and "${folder}"; item identifiers must be unique in a collection`,
        { source, field: 'ACCESS_DIR' },
      );
    }
    byId.set(id, folder);
    const files = (folders.get(folder) ?? []).sort((a, b) => naturalCompare(fileName(a.key), fileName(b.key)));
    const recorded = recordedNames.get(id);
    const names = imageNames(
      files.map((file) => fileName(file.key)),
      recorded,
    );
    if (!sameNames(names, recorded)) changedNames.push({ item: id, names });
    const paged = pageNames(names, new Map(files.map((file) => [fileName(file.key), pages.get(file.key) ?? 1])));
    const itemImages: PlannedImage[] = files.flatMap((file) => {
      const image = {
        item: id,
        sourceKey: file.key,
        format: sourceFormat(file.key) ?? 'jpeg',
        bytes: file.size,
        etag: file.etag,
      };
      const fileNames = paged.get(fileName(file.key));
      if (fileNames === undefined) return [{ ...image, name: names.get(fileName(file.key)) ?? fileName(file.key) }];
      return fileNames.map((name, index) => ({ ...image, name, page: index + 1, pages: fileNames.length }));
    });
    items.push({
      id,
      folder,
      images: itemImages.map(({ name, sourceKey, page }) => ({
        name,
        sourceKey,
        ...(page === undefined ? {} : { page }),
      })),
    });
    images.push(...itemImages);
  }
  return { items, images, ignored, changedNames };
}

function sameNames(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string> | undefined): boolean {
  if (b === undefined || a.size !== b.size) return false;
  for (const [fileName, name] of a) if (b.get(fileName) !== name) return false;
  return true;
}

/** The identifier of the item in `folder`: its name, or its parent's name for `Access` folders. */
export function itemIdentifier(folder: string, accessDir: string): string {
  const path = folder === '' ? accessDir : folder;
  const parts = path.split('/').filter((part) => part !== '');
  const last = parts[parts.length - 1] ?? path;
  if (last.toLowerCase() === 'access' && parts.length >= 2) return parts[parts.length - 2] ?? last;
  return last;
}

function fileName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
