import type { Readable } from 'node:stream';
import type { Body, ObjectInfo, PutOptions, Storage } from '../../../src/storage/storage.js';

/** A storage that records every read and write (with its options) and passes them on. */
export class RecordingStorage implements Storage {
  public readonly reads: { bucket: string; key: string }[] = [];
  public readonly puts: { bucket: string; key: string; options: PutOptions | undefined }[] = [];

  public constructor(private readonly inner: Storage) {}

  public describe(bucket: string, key: string): string {
    return this.inner.describe(bucket, key);
  }

  public list(bucket: string, prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(bucket, prefix);
  }

  public head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    this.reads.push({ bucket, key });
    return this.inner.head(bucket, key);
  }

  public getStream(bucket: string, key: string): Promise<Readable> {
    this.reads.push({ bucket, key });
    return this.inner.getStream(bucket, key);
  }

  public getBytes(bucket: string, key: string): Promise<Buffer> {
    this.reads.push({ bucket, key });
    return this.inner.getBytes(bucket, key);
  }

  public put(bucket: string, key: string, body: Body, options?: PutOptions): Promise<void> {
    this.puts.push({ bucket, key, options });
    return this.inner.put(bucket, key, body, options);
  }

  public putIfAbsent(bucket: string, key: string, body: Body, options?: PutOptions): Promise<boolean> {
    this.puts.push({ bucket, key, options });
    return this.inner.putIfAbsent(bucket, key, body, options);
  }

  public delete(bucket: string, key: string): Promise<void> {
    return this.inner.delete(bucket, key);
  }
}
