import type { Readable } from 'node:stream';
import type { Body, ListOptions, ObjectInfo, PutOptions, ReadVersion, Storage } from '../../src/storage/storage.js';

/** One call to the wrapped storage. */
export interface StorageCall {
  readonly op:
    | 'list'
    | 'listFolders'
    | 'head'
    | 'getStream'
    | 'getBytes'
    | 'getRange'
    | 'put'
    | 'putIfAbsent'
    | 'delete';
  readonly bucket: string;
  readonly key: string;
  readonly options?: PutOptions;
}

/**
 * A storage that records every call and can fail chosen calls, around a real storage.
 * `failWith` is asked before each call; an error it returns is thrown instead of calling through.
 */
export class RecordingStorage implements Storage {
  public readonly calls: StorageCall[] = [];
  public failWith: (call: StorageCall) => Error | undefined = () => undefined;

  /** @param inner the store that does the work (writes through it directly are not recorded) */
  public constructor(public readonly inner: Storage) {}

  public describe(bucket: string, key: string): string {
    return this.inner.describe(bucket, key);
  }

  public async *list(bucket: string, prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo> {
    this.record({ op: 'list', bucket, key: prefix });
    yield* this.inner.list(bucket, prefix, options);
  }

  public async *listFolders(bucket: string, prefix: string): AsyncIterable<string> {
    this.record({ op: 'listFolders', bucket, key: prefix });
    yield* this.inner.listFolders(bucket, prefix);
  }

  public async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    this.record({ op: 'head', bucket, key });
    return this.inner.head(bucket, key);
  }

  public async getStream(bucket: string, key: string, version?: ReadVersion): Promise<Readable> {
    this.record({ op: 'getStream', bucket, key });
    return this.inner.getStream(bucket, key, version);
  }

  public async getBytes(bucket: string, key: string, version?: ReadVersion): Promise<Buffer> {
    this.record({ op: 'getBytes', bucket, key });
    return this.inner.getBytes(bucket, key, version);
  }

  public async getRange(bucket: string, key: string, start: number, length: number): Promise<Buffer> {
    this.record({ op: 'getRange', bucket, key });
    return this.inner.getRange(bucket, key, start, length);
  }

  public async put(bucket: string, key: string, body: Body, options?: PutOptions): Promise<void> {
    this.record({ op: 'put', bucket, key, ...(options === undefined ? {} : { options }) });
    return this.inner.put(bucket, key, body, options);
  }

  public async putIfAbsent(bucket: string, key: string, body: Body, options?: PutOptions): Promise<boolean> {
    this.record({ op: 'putIfAbsent', bucket, key, ...(options === undefined ? {} : { options }) });
    return this.inner.putIfAbsent(bucket, key, body, options);
  }

  public async delete(bucket: string, key: string): Promise<void> {
    this.record({ op: 'delete', bucket, key });
    return this.inner.delete(bucket, key);
  }

  /** Reads of object contents or metadata (head, getStream, getBytes), in order. */
  public get reads(): StorageCall[] {
    return this.calls.filter((call) => call.op === 'head' || call.op === 'getStream' || call.op === 'getBytes');
  }

  /** Writes (put, putIfAbsent) with their options, in order. */
  public get puts(): StorageCall[] {
    return this.calls.filter((call) => call.op === 'put' || call.op === 'putIfAbsent');
  }

  /** Calls of one kind, optionally only in one bucket. */
  public count(op: StorageCall['op'], bucket?: string): number {
    return this.calls.filter((call) => call.op === op && (bucket === undefined || call.bucket === bucket)).length;
  }

  public reset(): void {
    this.calls.length = 0;
  }

  private record(call: StorageCall): void {
    this.calls.push(call);
    const error = this.failWith(call);
    if (error !== undefined) throw error;
  }
}
