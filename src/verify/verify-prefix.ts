import type { Storage } from '../storage/storage.js';
import { type VerifyResult, verifyPublished } from './verify-published.js';

/**
 * Verify a published tree found under a prefix, with no run records: every folder holding an
 * `info.json` is an image service, every `manifest.json` and `collection.json` a document. One
 * listing finds them; then each item folder is listed once while its services are checked.
 *
 * @param prefix a key prefix (`iawa/Women_of_Design/Box2`), or `''` for the whole bucket
 */
export async function verifyPrefix(storage: Storage, bucket: string, prefix: string): Promise<VerifyResult> {
  const start = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const services = new Map<string, string[]>();
  const documents: string[] = [];
  for await (const object of storage.list(bucket, start)) {
    const name = object.key.slice(object.key.lastIndexOf('/') + 1);
    if (name === 'manifest.json' || name === 'collection.json') documents.push(object.key);
    if (name !== 'info.json') continue;
    const serviceKey = object.key.slice(0, -'/info.json'.length);
    const slash = serviceKey.lastIndexOf('/');
    const folder = serviceKey.slice(0, Math.max(0, slash));
    const names = services.get(folder) ?? [];
    names.push(serviceKey.slice(slash + 1));
    services.set(folder, names);
  }
  return verifyPublished(storage, { bucket, services, documents });
}
