import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Storage } from '../storage/storage.js';

/**
 * Copy a source object into a local file, streaming: the image never sits in memory whole. libvips
 * then reads the file with random access (sharp given a stream would buffer all of it).
 *
 * @returns the number of bytes written
 */
export async function fetchSource(storage: Storage, bucket: string, key: string, path: string): Promise<number> {
  const stream = await storage.getStream(bucket, key);
  await pipeline(stream, createWriteStream(path));
  return (await stat(path)).size;
}
