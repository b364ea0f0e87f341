import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/errors.js';
import { groupItems } from '../../src/plan/group-items.js';
import { planListing } from '../../src/plan/plan-listing.js';
import { TextArena } from '../../src/plan/text-arena.js';
import type { ListedObject, Storage } from '../../src/storage/storage.js';

async function* listing(objects: readonly ListedObject[]): AsyncIterable<ListedObject> {
  yield* objects;
}

/** Planning reads nothing but TIFF headers, and these tests list no TIFF. */
const storage = {
  getRange: () => Promise.reject(new Error('unexpected read')),
} as unknown as Storage;
const options = { storage, bucket: 'src', accessDir: 'Box', source: 'test://src/Box/' };

describe('Function: planListing', () => {
  it('plans the items and images groupItems plans, across batches of folders, and counts what it ignores', async () => {
    // Prepare: 5 folders of 900 files (batches hold at least 2,000), out of order, with extras.
    const objects: ListedObject[] = [];
    for (const folder of [3, 1, 10, 2, 4]) {
      for (let page = 900; page >= 1; page--) {
        objects.push({ key: `Box/F${folder}/Access/p ${page}.jpg`, size: 1000 + page, etag: `"e${folder}-${page}"` });
      }
      objects.push(
        { key: `Box/F${folder}/Access/Thumbs.db`, size: 1, etag: '"t"' },
        { key: `Box/F${folder}/`, size: 0, etag: '"d"' },
      );
    }
    const expected = groupItems(objects, 'Box', options.source);

    // Act
    const plan = await planListing(listing(objects), options);

    // Assess
    expect({ objects: plan.objects, ignored: plan.ignored, items: plan.itemCount, images: plan.imageCount }).toEqual({
      objects: 4510,
      ignored: 5,
      items: 5,
      images: 4500,
    });
    expect(plan.ignoredSample).toEqual(expected.ignored);
    expect(Array.from({ length: plan.itemCount }, (_, index) => plan.item(index))).toEqual(expected.items);
    expect(Array.from({ length: plan.imageCount }, (_, index) => plan.image(index))).toEqual(expected.images);
    expect(plan.costs).toHaveLength(4500);
    expect([...plan.changedNames()]).toEqual(expected.changedNames);
  });

  it('rejects two folders that give the same item identifier', async () => {
    // Prepare
    const objects = [
      { key: 'Box/A/Folder1/p1.jpg', size: 1, etag: '"a"' },
      { key: 'Box/B/Folder1/Access/p1.jpg', size: 1, etag: '"b"' },
    ];

    // Act
    const act = planListing(listing(objects), options);

    // Assess
    await expect(act).rejects.toBeInstanceOf(PlanError);
    await expect(act).rejects.toThrow(/two folders give the item identifier "Folder1"/);
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
});
