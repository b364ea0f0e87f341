import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { UploadQueue } from '../../src/shard-worker/upload-queue.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { RecordingStorage } from '../helpers/recording-storage.js';

const NO_WAIT = { attempts: 3, baseDelayMs: 0, maxDelayMs: 0 };
const OPTIONS = { contentType: 'image/jpeg' };

/** A recording store that can copy (the filesystem's hard links), whose first copy fails once as S3 may. */
class CopyingStorage extends RecordingStorage {
  public readonly copies: string[] = [];
  private failed = false;

  public constructor(private readonly files: FsStorage) {
    super(files);
  }

  public async copy(bucket: string, fromKey: string, toKey: string): Promise<void> {
    if (!this.failed) {
      this.failed = true;
      throw new StorageError('503 Slow Down', { bucket, key: toKey, transient: true });
    }
    this.copies.push(`${fromKey} -> ${toKey}`);
    await this.files.copy(bucket, fromKey, toKey);
  }
}

describe('Class: UploadQueue', () => {
  let root: string;
  let files: FsStorage;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'upload-queue-'));
    files = new FsStorage(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes bytes published under several keys once and copies them (retrying as it retries puts), where the store can copy', async () => {
    // Prepare
    const storage = new CopyingStorage(files);
    const queue = new UploadQueue(storage, 'pub', { concurrency: 4, retry: NO_WAIT });

    // Act
    queue.add({
      key: 's/full/max/0/default.jpg',
      body: 'full',
      options: OPTIONS,
      alsoAt: ['s/full/80,60/0/default.jpg'],
    });
    queue.add({ key: 's/0,0,512,512/512,/0/default.jpg', body: 'tile', options: OPTIONS });
    const totals = await queue.drain();

    // Assess: what is published counts each key.
    expect(totals).toEqual({ files: 3, bytes: 12 });
    expect(storage.calls.filter((call) => call.op === 'put').map((call) => call.key)).toEqual([
      's/full/max/0/default.jpg',
      's/0,0,512,512/512,/0/default.jpg',
    ]);
    expect(storage.copies).toEqual(['s/full/max/0/default.jpg -> s/full/80,60/0/default.jpg']);
    expect((await files.getBytes('pub', 's/full/80,60/0/default.jpg')).toString()).toBe('full');
  });

  it('puts the bytes under each key, side by side, to a store that cannot copy', async () => {
    // Prepare
    const storage = new RecordingStorage(files);
    const queue = new UploadQueue(storage, 'pub', { concurrency: 4, retry: NO_WAIT });

    // Act
    queue.add({ key: 'a.jpg', body: 'full', options: OPTIONS, alsoAt: ['b.jpg', 'c.jpg'] });
    const totals = await queue.drain();

    // Assess
    expect(totals).toEqual({ files: 3, bytes: 12 });
    const puts = storage.calls.filter((call) => call.op === 'put');
    expect(puts.map((call) => [call.key, call.options])).toEqual([
      ['a.jpg', OPTIONS],
      ['b.jpg', OPTIONS],
      ['c.jpg', OPTIONS],
    ]);
    expect((await files.getBytes('pub', 'c.jpg')).toString()).toBe('full');
  });
});
