import { sourceFormat } from '../plan/source-format.js';
import type { JsonBytes } from '../util/json-bytes.js';
import type { PlannedImage, PlannedItem, ShardDescription, ShardRecord } from './run-records.js';

/**
 * Images as item parts and shard descriptions store them: grouped by item, each image named by its
 * file name in the item's folder (`file`) rather than its whole key, its format left to its
 * extension. A million images' records are then about 100 bytes an image instead of 230, which is
 * most of the submitter's time and memory writing them. A key outside its item's folder, or a format
 * its extension does not give, is stored as it is (`sourceKey`, `format`).
 */
export interface CompactItem {
  readonly id: string;
  readonly folder: string;
  readonly images: readonly CompactImage[];
}

export interface CompactImage {
  readonly name: string;
  readonly file?: string;
  readonly sourceKey?: string;
  readonly page?: number;
  /** Shard descriptions only: what a worker needs besides the name. */
  readonly pages?: number;
  readonly format?: PlannedImage['format'];
  readonly bytes?: number;
  readonly etag?: string;
}

/**
 * Compact items held elsewhere (the planner's columns), each written straight to JSON as its
 * `CompactItem` would be: `RunStore` writes item parts and shard descriptions from them without
 * making an object per image.
 */
export interface CompactItemsJson {
  readonly count: number;
  writeItem(index: number, out: JsonBytes): void;
}

/** An item of an item part, compact. */
export function compactItem(item: PlannedItem): CompactItem {
  return {
    id: item.id,
    folder: item.folder,
    images: item.images.map(({ name, sourceKey, page }) => {
      const image: Mutable<CompactImage> = { name };
      place(image, item.folder, sourceKey);
      if (page !== undefined) image.page = page;
      return image;
    }),
  };
}

/** An item read from an item part, compact or not (parts written before images were compact). */
export function expandItem(item: CompactItem): PlannedItem {
  return {
    id: item.id,
    folder: item.folder,
    images: item.images.map(({ name, page, ...image }) => ({
      name,
      sourceKey: keyOf(item.folder, image),
      ...(page === undefined ? {} : { page }),
    })),
  };
}

/** A shard's images grouped by item, in order (an item's images that are not together make two groups). */
export function compactImages(images: readonly PlannedImage[]): CompactItem[] {
  const items: { id: string; folder: string; images: CompactImage[] }[] = [];
  let current: (typeof items)[number] | undefined;
  for (const image of images) {
    const folder = image.sourceKey.slice(0, Math.max(0, image.sourceKey.lastIndexOf('/')));
    if (current === undefined || current.id !== image.item || current.folder !== folder) {
      current = { id: image.item, folder, images: [] };
      items.push(current);
    }
    const { name, sourceKey, format, bytes, etag, page, pages } = image;
    const compact: Mutable<CompactImage> = { name };
    place(compact, folder, sourceKey);
    if (sourceFormat(sourceKey) !== format) compact.format = format;
    compact.bytes = bytes;
    compact.etag = etag;
    if (page !== undefined) {
      compact.page = page;
      compact.pages = pages;
    }
    current.images.push(compact);
  }
  return items;
}

/** A shard description as written (its images grouped by item). */
export function shardRecord(description: ShardDescription): ShardRecord {
  const { images, ...rest } = description;
  return { ...rest, items: compactImages(images) };
}

/** A shard's images from their groups, compact or not. */
export function expandImages(items: readonly CompactItem[]): PlannedImage[] {
  const images: PlannedImage[] = [];
  for (const item of items) {
    for (const image of item.images) {
      const sourceKey = keyOf(item.folder, image);
      images.push({
        item: item.id,
        sourceKey,
        name: image.name,
        format: image.format ?? sourceFormat(sourceKey) ?? 'jpeg',
        bytes: image.bytes ?? 0,
        etag: image.etag ?? '',
        ...(image.page === undefined ? {} : { page: image.page, pages: image.pages ?? 1 }),
      });
    }
  }
  return images;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Name the image's file by its name in `folder` when it is there, otherwise by its key. */
function place(image: Mutable<CompactImage>, folder: string, sourceKey: string): void {
  const inFolder = folder === '' || (sourceKey.startsWith(folder) && sourceKey[folder.length] === '/');
  const file = folder === '' ? sourceKey : sourceKey.slice(folder.length + 1);
  if (inFolder && !file.includes('/')) image.file = file;
  else image.sourceKey = sourceKey;
}

function keyOf(folder: string, image: Pick<CompactImage, 'file' | 'sourceKey'>): string {
  if (image.sourceKey !== undefined) return image.sourceKey;
  return folder === '' ? (image.file ?? '') : `${folder}/${image.file ?? ''}`;
}
