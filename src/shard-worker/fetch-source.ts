import { type FileHandle, open } from 'node:fs/promises';
import type { Storage } from '../storage/storage.js';

/** Bytes gathered before one write: few large writes instead of thousands of 64 KiB ones. */
const WRITE_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Copy a source object into a local file, streaming: the image never sits in memory whole (at most
 * two write batches do). libvips then reads the file with random access (sharp given a stream
 * would buffer all of it).
 *
 * @returns the number of bytes written
 */
export async function fetchSource(storage: Storage, bucket: string, key: string, path: string): Promise<number> {
  const stream = await storage.getStream(bucket, key);
  const file = await open(path, 'w');
  let total = 0;
  // One batch is written while the next is read, so a network source keeps flowing.
  let writing: Promise<void> = Promise.resolve();
  try {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    for await (const chunk of stream) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      batch.push(bytes);
      batchBytes += bytes.length;
      total += bytes.length;
      if (batchBytes >= WRITE_BATCH_BYTES) {
        await writing;
        writing = writeAll(file, batch);
        // Handled here so a failed write is never "unhandled"; awaited (and thrown) above or below.
        writing.catch(() => undefined);
        batch = [];
        batchBytes = 0;
      }
    }
    await writing;
    await writeAll(file, batch);
  } finally {
    stream.destroy();
    await writing.catch(() => undefined);
    await file.close();
  }
  return total;
}

async function writeAll(file: FileHandle, buffers: Buffer[]): Promise<void> {
  let pending = buffers;
  while (pending.length > 0) {
    const { bytesWritten } = await file.writev(pending);
    pending = skipBytes(pending, bytesWritten);
  }
}

/** The buffers left after the first `count` bytes (a short write is possible). */
function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  let left = count;
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (left >= buffer.length) {
      left -= buffer.length;
    } else {
      rest.push(left > 0 ? buffer.subarray(left) : buffer);
      left = 0;
    }
  }
  return rest;
}
