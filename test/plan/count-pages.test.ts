import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPages } from '../../src/plan/count-pages.js';
import { groupItems } from '../../src/plan/group-items.js';
import { planShards } from '../../src/plan/plan-shards.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import type { ObjectInfo } from '../../src/storage/storage.js';
import { DEFAULT_SETTINGS } from '../../src/task/settings.js';
import { makePdf } from '../helpers/pdf.js';
import { RecordingStorage } from '../helpers/recording-storage.js';

describe('Function: countPages (with groupItems and planShards)', () => {
  let root: string;
  let storage: FsStorage;
  let objects: ObjectInfo[];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'count-pages-'));
    storage = new FsStorage(root);
    await mkdir(join(root, 'src', 'Coll', 'Book'), { recursive: true });
    const pages = Array.from({ length: 500 }, (_, index) => ({
      width: 300,
      height: 400,
      colour: [index % 256, 100, 100] as const,
    }));
    await writeFile(join(root, 'src', 'Coll', 'Book', 'book.pdf'), await makePdf(pages));
    const frames = await Promise.all(
      ['#f00', '#0f0', '#00f'].map((background) =>
        sharp({ create: { width: 64, height: 64, channels: 3, background } })
          .png()
          .toBuffer(),
      ),
    );
    await writeFile(
      join(root, 'src', 'Coll', 'Book', 'cover.tif'),
      await sharp(frames, { join: { animated: true } })
        .tiff()
        .toBuffer(),
    );
    await writeFile(join(root, 'src', 'Coll', 'Book', 'spine.jpg'), await sharp(frames[0]).jpeg().toBuffer());
    await writeFile(join(root, 'src', 'Coll', 'Book', 'broken.pdf'), 'not a PDF');
    objects = [];
    for await (const object of storage.list('src', 'Coll/')) objects.push(object);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('counts the pages of PDFs and TIFFs with ranged reads, never reading images whole', async () => {
    // Prepare
    const recording = new RecordingStorage(storage);

    // Act
    const pages = await countPages(recording, 'src', objects);

    // Assess
    expect(Object.fromEntries(pages)).toEqual({ 'Coll/Book/book.pdf': 500, 'Coll/Book/cover.tif': 3 });
    expect(recording.count('getStream') + recording.count('getBytes')).toBe(0);
    expect(recording.calls.every((call) => call.key !== 'Coll/Book/spine.jpg')).toBe(true);
  });

  it('spreads a 500-page PDF over several shards', async () => {
    // Act
    const pages = await countPages(storage, 'src', objects);
    const grouping = groupItems(objects, 'Coll', 'src/Coll/', pages);
    const shards = planShards(grouping.images, DEFAULT_SETTINGS);

    // Assess
    expect(grouping.images).toHaveLength(500 + 3 + 1 + 1);
    expect(grouping.images.filter((image) => image.sourceKey.endsWith('book.pdf')).map((image) => image.name)).toEqual(
      Array.from({ length: 500 }, (_, index) => `book_p${index + 1}`),
    );
    expect(shards.length).toBeGreaterThan(1);
    const withBookPages = shards.filter((shard) => shard.images.some((image) => image.sourceKey.endsWith('book.pdf')));
    expect(withBookPages.length).toBe(shards.length);
    for (const shard of shards) {
      const bookPages = shard.images.filter((image) => image.page !== undefined && image.sourceKey.endsWith('.pdf'));
      expect(bookPages.map((image) => image.page)).toEqual(
        [...bookPages.map((image) => image.page)].sort((a, b) => (a ?? 0) - (b ?? 0)),
      );
    }
  });
});
