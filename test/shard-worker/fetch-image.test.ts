import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { SharedSourceCopy } from '../../src/shard-worker/shared-source-copy.js';
import { discardFetchedImage, type FetchedImage, fetchImage } from '../../src/shard-worker/tile-image.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { RecordingStorage } from '../helpers/recording-storage.js';
import { testTask } from '../helpers/test-task.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-image-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const task = testTask();
const sourceKey = `${task.accessDir}/Box2_Folder1/page1.jpg`;
const bytes = Buffer.from('not decoded while fetching');

async function storeWithSource(): Promise<FsStorage> {
  const root = await mkdtemp(join(dir, 'root-'));
  const storage = new FsStorage(root);
  await storage.put(task.srcBucket, sourceKey, bytes);
  return storage;
}

async function fetch(storage: FsStorage | RecordingStorage, tempDir: string): Promise<FetchedImage> {
  const info = await storage.head(task.srcBucket, sourceKey);
  const fetched = await fetchImage(
    { storage, logger: silentLogger, tempDir },
    {
      task,
      image: {
        item: 'Box2_Folder1',
        sourceKey,
        name: 'page1',
        format: 'jpeg',
        bytes: info?.size ?? 0,
        etag: info?.etag ?? '',
      },
    },
  );
  if ('status' in fetched) throw new Error(`Expected a fetched image but got ${fetched.status}: ${fetched.reason}`);
  return fetched;
}

describe('Function: fetchImage', () => {
  it('reads a source the storage holds as a local file in place, and never removes it', async () => {
    // Prepare
    const storage = await storeWithSource();
    const temp = await mkdtemp(join(dir, 'temp-'));

    // Act
    const fetched = await fetch(storage, temp);
    await discardFetchedImage(fetched);

    // Assess
    expect(fetched.sourceIsCopy).toBe(false);
    expect(fetched.sourcePath).toBe(storage.describe(task.srcBucket, sourceKey));
    expect(await readFile(fetched.sourcePath)).toEqual(bytes);
    await expect(stat(fetched.workDir)).rejects.toThrow();
  });

  it('copies the source into the working folder when the storage has no local files', async () => {
    // Prepare
    const recording = new RecordingStorage(await storeWithSource());
    const temp = await mkdtemp(join(dir, 'temp-'));

    // Act
    const fetched = await fetch(recording, temp);
    const copied = await readFile(fetched.sourcePath);
    await writeFile(join(fetched.workDir, 'scratch'), 'x');
    await discardFetchedImage(fetched);

    // Assess
    expect(fetched.sourceIsCopy).toBe(true);
    expect(fetched.sourcePath.startsWith(fetched.workDir)).toBe(true);
    expect(copied).toEqual(bytes);
    expect(recording.calls.map((call) => call.op)).toContain('getStream');
    await expect(stat(fetched.workDir)).rejects.toThrow();
  });
});

describe('Function: fetchImage, pages of one multi-page source', () => {
  it('downloads the source once for consecutive pages, each page owning its own copy', async () => {
    // Prepare
    const recording = new RecordingStorage(await storeWithSource());
    const temp = await mkdtemp(join(dir, 'temp-'));
    const sharedCopy = new SharedSourceCopy(temp);
    const info = await recording.head(task.srcBucket, sourceKey);
    const page = async (number: number): Promise<FetchedImage> => {
      const fetched = await fetchImage(
        { storage: recording, logger: silentLogger, tempDir: temp, sharedCopy },
        {
          task,
          image: {
            item: 'Box2_Folder1',
            sourceKey,
            name: `page1_p${number}`,
            format: 'tiff',
            bytes: info?.size ?? 0,
            etag: info?.etag ?? '',
            page: number,
            pages: 3,
          },
        },
      );
      if ('status' in fetched) throw new Error(`Expected a fetched image but got ${fetched.status}`);
      return fetched;
    };

    // Act
    const first = await page(1);
    const second = await page(2);
    await discardFetchedImage(first);
    const third = await page(3);

    // Assess
    expect(recording.count('getStream')).toBe(1);
    expect(await readFile(second.sourcePath)).toEqual(bytes);
    expect(await readFile(third.sourcePath)).toEqual(bytes);
    expect(third.sourcePath).not.toBe(second.sourcePath);
    await discardFetchedImage(second);
    await discardFetchedImage(third);
    await sharedCopy.close();
    expect((await readdir(temp)).length).toBe(0);
  });
});
