import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPages } from '../../src/plan/count-pages.js';
import { planListing } from '../../src/plan/plan-listing.js';
import { planShards } from '../../src/plan/plan-shards.js';
import { sourceFormat } from '../../src/plan/source-format.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import type { ObjectInfo } from '../../src/storage/storage.js';
import { DEFAULT_SETTINGS } from '../../src/task/settings.js';
import { makePdf } from '../helpers/pdf.js';
import { RecordingStorage } from '../helpers/recording-storage.js';

describe('Function: countPages (with planListing and planShards)', () => {
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
    const pages = await Promise.all(
      objects.map(async (object) => [
        object.key,
        await countPages(recording, 'src', object, sourceFormat(object.key) ?? 'jpeg'),
      ]),
    );

    // Assess
    expect(Object.fromEntries(pages)).toEqual({
      'Coll/Book/book.pdf': 500,
      'Coll/Book/broken.pdf': 1,
      'Coll/Book/cover.tif': 3,
      'Coll/Book/spine.jpg': 1,
    });
    expect(recording.count('getStream') + recording.count('getBytes')).toBe(0);
    expect(recording.calls.every((call) => call.key !== 'Coll/Book/spine.jpg')).toBe(true);
  });

  it('spreads a 500-page PDF over several shards (planListing, then planShards)', async () => {
    // Act
    const plan = await planListing(
      (async function* () {
        yield* objects;
      })(),
      { storage, bucket: 'src', accessDir: 'Coll', source: 'src/Coll/', pdfDpi: DEFAULT_SETTINGS.pdfDpi },
    );
    const shards = planShards(plan.costs(), DEFAULT_SETTINGS).map((shard) =>
      Array.from({ length: shard.end - shard.first }, (_, at) => plan.image(shard.first + at)),
    );

    // Assess
    const images = Array.from({ length: plan.imageCount }, (_, index) => plan.image(index));
    expect(images).toHaveLength(500 + 3 + 1 + 1);
    expect(images.filter((image) => image.sourceKey.endsWith('book.pdf')).map((image) => image.name)).toEqual(
      Array.from({ length: 500 }, (_, index) => `book_p${index + 1}`),
    );
    expect(shards.length).toBeGreaterThan(1);
    for (const shard of shards) {
      const bookPages = shard.filter((image) => image.sourceKey.endsWith('book.pdf')).map((image) => image.page ?? 0);
      expect(bookPages.length).toBeGreaterThan(0);
      expect(bookPages).toEqual([...bookPages].sort((a, b) => a - b));
    }
  });
});
