import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlanError } from '../../src/errors.js';
import { planListing } from '../../src/plan/plan-listing.js';
import { ARENA_CHUNK_BYTES, TextArena } from '../../src/plan/text-arena.js';
import { compactImages, compactItem } from '../../src/run/compact-images.js';
import type { ListedObject, Storage } from '../../src/storage/storage.js';
import { JsonBytes } from '../../src/util/json-bytes.js';

async function* listing(objects: readonly ListedObject[]): AsyncIterable<ListedObject> {
  yield* objects;
}

function objects(...keys: string[]): ListedObject[] {
  return keys.map((key) => ({ key, size: 1000, etag: `etag-${key}` }));
}

/**
 * A store whose files are the given bytes, others empty (not a TIFF: one page). Planning reads
 * nothing but TIFF and PDF headers.
 */
function storageOf(files: ReadonlyMap<string, Buffer> = new Map()): Storage {
  return {
    getRange: async (_bucket: string, key: string, start: number, length: number) =>
      (files.get(key) ?? Buffer.alloc(0)).subarray(start, start + length),
  } as unknown as Storage;
}

const options = { storage: storageOf(), bucket: 'src', accessDir: 'Box', source: 'test://src/Box/' };

async function plan(keys: readonly string[], accessDir = 'Box', storage = storageOf()) {
  return planListing(listing(objects(...keys)), { ...options, storage, accessDir });
}

function itemsOf(planned: Awaited<ReturnType<typeof planListing>>) {
  return Array.from({ length: planned.itemCount }, (_, index) => planned.item(index));
}

function imagesOf(planned: Awaited<ReturnType<typeof planListing>>) {
  return Array.from({ length: planned.imageCount }, (_, index) => planned.image(index));
}

describe('Function: planListing', () => {
  let threePages: Buffer;
  let twoPages: Buffer;

  beforeAll(async () => {
    const frames = await Promise.all(
      ['#f00', '#0f0', '#00f'].map((background) =>
        sharp({ create: { width: 32, height: 32, channels: 3, background } })
          .png()
          .toBuffer(),
      ),
    );
    threePages = await sharp(frames, { join: { animated: true } })
      .tiff()
      .toBuffer();
    twoPages = await sharp(frames.slice(0, 2), { join: { animated: true } })
      .tiff()
      .toBuffer();
  });

  it("makes every page of a multi-page file an image of its own, in page order at the file's place", async () => {
    // Prepare
    const keys = ['Box2/Letters/b.png', 'Box2/Letters/a.tif', 'Box2/Letters/c.tiff'];
    const listed = keys.map((key, index) => ({
      key,
      size: [10, threePages.length, twoPages.length][index] ?? 0,
      etag: `e${index}`,
    }));
    const storage = storageOf(
      new Map([
        ['Box2/Letters/a.tif', threePages],
        ['Box2/Letters/c.tiff', twoPages],
      ]),
    );

    // Act
    const planned = await planListing(listing(listed), { ...options, storage, accessDir: 'Box2' });

    // Assess
    expect(planned.item(0).images).toEqual([
      { name: 'a_p1', sourceKey: 'Box2/Letters/a.tif', page: 1 },
      { name: 'a_p2', sourceKey: 'Box2/Letters/a.tif', page: 2 },
      { name: 'a_p3', sourceKey: 'Box2/Letters/a.tif', page: 3 },
      { name: 'b', sourceKey: 'Box2/Letters/b.png' },
      { name: 'c_p1', sourceKey: 'Box2/Letters/c.tiff', page: 1 },
      { name: 'c_p2', sourceKey: 'Box2/Letters/c.tiff', page: 2 },
    ]);
    expect(imagesOf(planned).map((image) => [image.name, image.page, image.pages])).toEqual([
      ['a_p1', 1, 3],
      ['a_p2', 2, 3],
      ['a_p3', 3, 3],
      ['b', undefined, undefined],
      ['c_p1', 1, 2],
      ['c_p2', 2, 2],
    ]);
    expect(Array.from({ length: 6 }, (_, index) => planned.source(index).file)).toEqual([1, 1, 1, 0, 2, 2]);
    // A page's cost is its share of the file.
    const costs = planned.costs();
    expect(costs[0]).toBeCloseTo(costs[2] ?? 0, 12);
    expect([...planned.changedNames()]).toEqual([
      {
        item: 'Letters',
        names: new Map([
          ['a.tif', 'a'],
          ['b.png', 'b'],
          ['c.tiff', 'c'],
        ]),
      },
    ]);
  });

  it('stops with a PlanError saying how far it got when the deadline passes', async () => {
    // Prepare: a clock that moves a second a listed file; the deadline is at 5 s. Every file is a
    // three-page TIFF whose pages are counted from its header.
    let seconds = 0;
    const keys = Array.from({ length: 10 }, (_, index) => `Box/F1/p${index + 1}.tif`);
    async function* slowListing(): AsyncIterable<ListedObject> {
      for (const key of keys) {
        seconds += 1;
        yield { key, size: threePages.length, etag: `e-${key}` };
      }
    }
    const storage = storageOf(new Map(keys.map((key) => [key, threePages])));
    const deadline = { at: 5_000, now: () => seconds * 1000 };

    // Act
    const planning = planListing(slowListing(), { ...options, storage, deadline });
    const inTime = await planListing(listing(objects('Box/F1/a.jpg')), { ...options, deadline });

    // Assess
    await expect(planning).rejects.toBeInstanceOf(PlanError);
    await expect(planning).rejects.toMatchObject({ field: 'ACCESS_DIR', source: 'test://src/Box/' });
    await expect(planning).rejects.toThrow(
      /^test:\/\/src\/Box\/: the submitter ran out of time planning the run: in 6 s it listed 5 objects and counted the pages of [0-5] of the 5 TIFF and PDF files found so far/,
    );
    expect(inTime.imageCount).toBe(1);
  });

  it('makes one item per folder that directly holds images, named after the folder', async () => {
    // Act
    const planned = await plan(['Box2/Folder1/a.tif', 'Box2/Folder1/b.TIF', 'Box2/Folder2/x.jpg'], 'Box2');

    // Assess
    expect(itemsOf(planned).map((item) => [item.id, item.folder, item.images.map((image) => image.name)])).toEqual([
      ['Folder1', 'Box2/Folder1', ['a', 'b']],
      ['Folder2', 'Box2/Folder2', ['x']],
    ]);
    expect(imagesOf(planned).map((image) => image.format)).toEqual(['tiff', 'tiff', 'jpeg']);
  });

  it('names an Access folder after its parent, and images directly in ACCESS_DIR after it', async () => {
    // Act
    const access = await plan(['Box2/Box2_Folder19/Access/p1.jpg', 'Box2/Box2_Folder20/access/p1.jpg'], 'Box2');
    const direct = await plan(['Coll/Box9/1.jpg'], 'Coll/Box9');

    // Assess
    expect(itemsOf(access).map((item) => item.id)).toEqual(['Box2_Folder19', 'Box2_Folder20']);
    expect(itemsOf(direct).map((item) => [item.id, item.folder])).toEqual([['Box9', 'Coll/Box9']]);
  });

  it('recognises image extensions case-insensitively and ignores and counts everything else', async () => {
    // Act
    const planned = await plan(
      [
        'A/F/1.JPG',
        'A/F/2.jpeg',
        'A/F/3.png',
        'A/F/4.webp',
        'A/F/5.gif',
        'A/F/notes.txt',
        'A/F/.DS_Store',
        'A/F/._1.JPG',
        'A/F/Thumbs.db',
        'A/F/',
      ],
      'A',
    );

    // Assess
    expect(imagesOf(planned).map((image) => image.sourceKey)).toEqual([
      'A/F/1.JPG',
      'A/F/2.jpeg',
      'A/F/3.png',
      'A/F/4.webp',
      'A/F/5.gif',
    ]);
    expect({ objects: planned.objects, ignored: planned.ignored }).toEqual({ objects: 10, ignored: 4 });
    expect(planned.ignoredSample).toEqual(['A/F/notes.txt', 'A/F/.DS_Store', 'A/F/._1.JPG', 'A/F/Thumbs.db']);
  });

  it('orders items and images naturally (page2 before page10), wherever the listing puts them', async () => {
    // Prepare: 5 folders of 900 files, out of order; a folder's files around a subfolder's.
    const keys: string[] = [];
    for (const folder of [3, 1, 10, 2, 4]) {
      for (let page = 900; page >= 1; page--) keys.push(`Box/F${folder}/Access/p ${page}.jpg`);
    }
    keys.push('Box/F10/Access/sub/x.jpg', 'Box/F10/Access/p 901.jpg');

    // Act
    const planned = await plan(keys);

    // Assess
    const items = itemsOf(planned);
    expect(items.map((item) => [item.id, item.images.length])).toEqual([
      ['F1', 900],
      ['F2', 900],
      ['F3', 900],
      ['F4', 900],
      ['F10', 901],
      ['sub', 1],
    ]);
    expect(items[4]?.images.slice(0, 3).map((image) => image.name)).toEqual(['p_1', 'p_2', 'p_3']);
    expect(items[4]?.images.at(-1)).toEqual({ name: 'p_901', sourceKey: 'Box/F10/Access/p 901.jpg' });
    expect(planned.image(3600)).toEqual({
      item: 'F10',
      sourceKey: 'Box/F10/Access/p 1.jpg',
      name: 'p_1',
      format: 'jpeg',
      bytes: 1000,
      etag: 'etag-Box/F10/Access/p 1.jpg',
    });
    expect(planned.image(planned.imageCount - 1).item).toBe('sub');
    expect(planned.costs()).toHaveLength(4502);
  });

  it('records only the names of items whose names changed', async () => {
    // Prepare
    const recordedNames = new Map([
      ['F1', new Map([['a.jpg', 'a']])],
      ['F2', new Map([['a.jpg', 'a']])],
    ]);

    // Act
    const planned = await planListing(listing(objects('Box/F1/a.jpg', 'Box/F2/a.jpg', 'Box/F2/b.jpg')), {
      ...options,
      recordedNames,
    });

    // Assess
    expect([...planned.changedNames()]).toEqual([
      {
        item: 'F2',
        names: new Map([
          ['a.jpg', 'a'],
          ['b.jpg', 'b'],
        ]),
      },
    ]);
  });

  it('writes item parts and shard items from its columns as the JSON of their records', async () => {
    // Prepare: pages, clashing and awkward names, a recorded name, ETags of every kind, a file in ACCESS_DIR.
    const digest = '0123456789abcdef0123456789abcdef';
    const listed: ListedObject[] = [
      { key: 'Box/F1/a.tif', size: threePages.length, etag: `"${digest}"` },
      { key: 'Box/F1/a_p1.jpg', size: 5, etag: `"${digest}-3"` },
      { key: 'Box/F1/b.jpg', size: 6, etag: 'W/"x"' },
      { key: 'Box/F1/b.png', size: 7, etag: '"q\\"uote"' },
      { key: 'Box/F2/é 😀.jpg', size: 8, etag: `"${digest.toUpperCase()}"` },
      { key: 'Box/F2/q"uote.jpg', size: 9, etag: '' },
      { key: 'Box/F2/kept.jpg', size: 10, etag: 'e' },
      { key: 'Box/top.jpg', size: 11, etag: 'f' },
    ];
    const storage = storageOf(new Map([['Box/F1/a.tif', threePages]]));
    const recordedNames = new Map([['F2', new Map([['kept.jpg', 'published name']])]]);
    const toJson = (list: { count: number; writeItem(index: number, out: JsonBytes): void }): string => {
      const out = new JsonBytes().raw('[');
      for (let index = 0; index < list.count; index++) list.writeItem(index, out.raw(index === 0 ? '' : ','));
      return out.raw(']').view().toString('utf8');
    };

    // Act
    const planned = await planListing(listing(listed), { ...options, storage, recordedNames });
    const images = imagesOf(planned);

    // Assess
    expect(toJson(planned.items)).toBe(JSON.stringify(itemsOf(planned).map(compactItem)));
    for (const [first, end] of [
      [0, images.length],
      [1, 4],
      [4, 9],
      [2, 3],
    ] as const) {
      expect(toJson(planned.shardItems(first, end))).toBe(JSON.stringify(compactImages(images.slice(first, end))));
    }
    expect(images.map((image) => image.name)).toContain('published name');
  });

  it('rejects two folders that give the same item identifier, naming both', async () => {
    // Act
    const act = plan(['Box/A/Folder1/p1.jpg', 'Box/B/Folder1/Access/p1.jpg']);

    // Assess
    await expect(act).rejects.toBeInstanceOf(PlanError);
    await expect(act).rejects.toThrow(/item identifier "Folder1": "Box\/A\/Folder1" and "Box\/B\/Folder1\/Access"/);
  });
});

describe('Class: TextArena', () => {
  it('gives back every string it stored, in any script, as it grows', () => {
    // Prepare
    const arena = new TextArena();
    const texts = Array.from({ length: 20_000 }, (_, index) => `${index}-Ünïcødé-文字-${'x'.repeat(index % 17)}`);

    // Act
    const ids = texts.map((text) => arena.add(text));

    // Assess
    expect(ids.map((id) => arena.get(id))).toEqual(texts);
    expect(arena.add('')).toBe(texts.length);
    expect(arena.get(texts.length)).toBe('');
    expect(() => arena.get(texts.length + 1)).toThrow(RangeError);
  });

  it('keeps texts whole across its buffers, empty ones included, and refuses a text longer than a buffer', () => {
    // Prepare: about 5 MiB of texts of every length up to 200 bytes, some empty, some not ASCII.
    const arena = new TextArena();
    const texts = Array.from({ length: 50_000 }, (_, index) => {
      if (index % 97 === 0) return '';
      return index % 13 === 0 ? `é${'k'.repeat(index % 101)}文` : 'k'.repeat(index % 201);
    });

    // Act
    for (const text of texts) arena.add(text);

    // Assess
    expect(texts.every((text, id) => arena.get(id) === text)).toBe(true);
    expect(() => arena.add('x'.repeat(ARENA_CHUNK_BYTES + 1))).toThrow(RangeError);
  });

  it('reads ASCII text stored before and after the first text that is not', () => {
    // Prepare
    const arena = new TextArena();
    const texts = ['page1.jpg', '"0123abcd"', 'café.jpg', 'page2.jpg', '😀.png'];

    // Act
    const before = arena.get(arena.add(texts[0] ?? ''));
    for (const text of texts.slice(1)) arena.add(text);

    // Assess
    expect(before).toBe('page1.jpg');
    expect(texts.map((_, id) => arena.get(id))).toEqual(texts);
    expect(arena.length).toBe(5);
  });
});
