import { collectionKey, joinKey, publicUrl, type Task } from '../../task/task.js';

/** File name of every item's manifest: `{DEST_PREFIX}/{COLLECTION_IDENTIFIER}/{item}/manifest.json`. */
export const MANIFEST_NAME = 'manifest.json';
/** File name of the collection: `{DEST_PREFIX}/{COLLECTION_IDENTIFIER}/collection.json`. */
export const COLLECTION_NAME = 'collection.json';

/** Destination key of an item's manifest. */
export function manifestKey(task: Task, item: string): string {
  return joinKey(collectionKey(task), item, MANIFEST_NAME);
}

/** Destination key of the collection. */
export function collectionManifestKey(task: Task): string {
  return joinKey(collectionKey(task), COLLECTION_NAME);
}

/**
 * URI of the Canvas of one image of an item: `DEST_URL/{DEST_PREFIX}/{COLLECTION}/{item}/canvas/{image}`.
 * Not a file: a stable identifier (the image name is stable across reruns), so annotations made on a
 * page keep their target when the manifest is rebuilt or pages are added.
 */
export function canvasId(task: Task, item: string, imageName: string): string {
  return publicUrl(task, joinKey(collectionKey(task), item, 'canvas', imageName));
}

/**
 * The item identifier of a destination key when it is an item's manifest directly under the
 * collection (`{collection}/{item}/manifest.json`), else `undefined`.
 */
export function itemOfManifestKey(task: Task, key: string): string | undefined {
  const prefix = `${collectionKey(task)}/`;
  if (!key.startsWith(prefix)) return undefined;
  const parts = key.slice(prefix.length).split('/');
  if (parts.length !== 2 || parts[1] !== MANIFEST_NAME || parts[0] === '') return undefined;
  return parts[0];
}
