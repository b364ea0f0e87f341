import { NotFoundError } from '../errors.js';
import { itemOfManifestKey, MANIFEST_NAME } from '../iiif/presentation/presentation-keys.js';
import type { ManifestReference } from '../iiif/presentation/presentation-model.js';
import { isManifestDocument, readManifestReference } from '../iiif/presentation/read-manifest-reference.js';
import type { Logger } from '../log.js';
import type { Storage } from '../storage/storage.js';
import { collectionKey, publicUrl, type Task } from '../task/task.js';
import { mapLimit } from '../util/for-each-limited.js';

/**
 * Every item manifest already published in the task's collection (`{collection}/{item}/manifest.json`
 * in the destination), as the collection lists them: label and thumbnail read from each file.
 * This is how a run over one folder keeps the items earlier runs published.
 *
 * @param skip items whose manifest this run rewrites (their fresh reference is used instead)
 * @returns references by item identifier
 */
export async function readPublishedManifests(
  storage: Storage,
  task: Task,
  skip: ReadonlySet<string>,
  logger: Logger,
  concurrency = 16,
): Promise<Map<string, ManifestReference>> {
  // One level of folders (S3: a delimiter listing), never the tiles below them.
  const found: { item: string; key: string }[] = [];
  for await (const folder of storage.listFolders(task.destBucket, `${collectionKey(task)}/`)) {
    const key = `${folder}${MANIFEST_NAME}`;
    const item = itemOfManifestKey(task, key);
    if (item !== undefined && !skip.has(item)) found.push({ item, key });
  }
  const references = new Map<string, ManifestReference>();
  await mapLimit(found, concurrency, async ({ item, key }) => {
    const url = publicUrl(task, key);
    const manifest = storage.describe(task.destBucket, key);
    let document: unknown;
    try {
      document = JSON.parse((await storage.getBytes(task.destBucket, key)).toString('utf8'));
    } catch (error) {
      if (error instanceof NotFoundError) return; // a folder without a manifest (yet), or removed since
      if (!(error instanceof SyntaxError)) throw error;
      logger.warn('published manifest is not JSON; left out of the collection', { manifest });
      return;
    }
    if (!isManifestDocument(document)) {
      logger.warn('published manifest.json is not a IIIF manifest; left out of the collection', { manifest });
      return;
    }
    references.set(item, readManifestReference(document, url, item));
  });
  return references;
}
