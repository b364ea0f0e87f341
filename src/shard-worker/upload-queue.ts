import type { PutOptions, Storage } from '../storage/storage.js';
import { type RetryPolicy, withRetries } from './with-retries.js';

/** One object to publish. */
export interface Upload {
  readonly key: string;
  readonly body: Buffer | string;
  readonly options: PutOptions;
  /** Other keys to publish the same bytes under: copied from `key` once it is written, where the store can. */
  readonly alsoAt?: readonly string[];
}

/**
 * Puts objects into one bucket with at most `concurrency` in flight (an object and its copies under
 * other keys count as one), retrying transient storage errors. Uploads start as soon as they are
 * added, while the caller keeps rendering; `room` holds a producer back while too many wait; `drain`
 * waits for everything added so far and throws the first failure.
 */
export class UploadQueue {
  private readonly pending: Upload[] = [];
  private readonly waiters: (() => void)[] = [];
  private active = 0;
  private failure: { error: unknown } | undefined;
  private files = 0;
  private bytes = 0;

  public constructor(
    private readonly storage: Storage,
    private readonly bucket: string,
    private readonly options: { readonly concurrency: number; readonly retry: RetryPolicy },
  ) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`Expected integer of at least 1 for concurrency but received ${options.concurrency}`);
    }
  }

  public add(upload: Upload): void {
    const { alsoAt, ...first } = upload;
    if (alsoAt === undefined || alsoAt.length === 0 || this.storage.copy !== undefined) this.pending.push(upload);
    // Without copies, every key is an upload of its own, in flight beside the others.
    else this.pending.push(first, ...alsoAt.map((key) => ({ ...first, key })));
    this.pump();
  }

  /**
   * Resolves once at most `limit` uploads wait to start: producers call it after `add` so that
   * memory holds a bounded number of encoded files. Throws the first upload error, so that a
   * producer stops making files that cannot be published.
   */
  public async room(limit = this.options.concurrency * 2): Promise<void> {
    while (this.pending.length > limit && this.failure === undefined) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Wait until every added upload is done; the totals so far. Throws the first upload error. */
  public async drain(): Promise<{ files: number; bytes: number }> {
    while (this.active > 0 || (this.pending.length > 0 && this.failure === undefined)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure !== undefined) throw this.failure.error;
    return { files: this.files, bytes: this.bytes };
  }

  private pump(): void {
    while (this.active < this.options.concurrency && this.pending.length > 0 && this.failure === undefined) {
      const upload = this.pending.shift() as Upload;
      this.active++;
      this.put(upload)
        .then((size) => {
          const copies = 1 + (upload.alsoAt?.length ?? 0);
          this.files += copies;
          this.bytes += size * copies;
        })
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => {
          this.active--;
          this.pump();
          for (const wake of this.waiters.splice(0)) wake();
        });
    }
  }

  private async put(upload: Upload): Promise<number> {
    await withRetries(() => this.storage.put(this.bucket, upload.key, upload.body, upload.options), this.options.retry);
    for (const key of upload.alsoAt ?? []) await withRetries(() => this.copy(upload.key, key), this.options.retry);
    return Buffer.byteLength(upload.body);
  }

  private copy(fromKey: string, toKey: string): Promise<void> {
    if (this.storage.copy === undefined) throw new Error('unreachable: `add` gives a store without copy a put per key');
    return this.storage.copy(this.bucket, fromKey, toKey);
  }
}
