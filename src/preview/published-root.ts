import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_STATE_BUCKET } from '../run/run-records.js';
import { findPublishedDocuments } from './find-published-documents.js';

/**
 * The folder to serve for `DIR`. A local root (it holds `_iiif-batch`, one folder per bucket) with
 * exactly one bucket folder holding published manifests or collections is served from that bucket
 * folder, so that ids written with `DEST_URL=http://127.0.0.1:PORT` resolve; anything else is
 * served as it is.
 */
export async function publishedRoot(dir: string): Promise<{ root: string; bucket: string | undefined }> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (entries === undefined || !entries.some((entry) => entry.isDirectory() && entry.name === LOCAL_STATE_BUCKET)) {
    return { root: dir, bucket: undefined };
  }
  const buckets = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_') && !entry.name.startsWith('.'))
    .map((entry) => entry.name);
  const published: string[] = [];
  for (const bucket of buckets) {
    const found = await findPublishedDocuments(join(dir, bucket), { maxDocuments: 1 });
    if (found.collections.length + found.manifests.length > 0) published.push(bucket);
  }
  const [only] = published;
  return published.length === 1 && only !== undefined
    ? { root: join(dir, only), bucket: only }
    : { root: dir, bucket: undefined };
}
