import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/errors.js';
import { groupItems, itemIdentifier } from '../../src/plan/group-items.js';
import type { ObjectInfo } from '../../src/storage/storage.js';

function objects(...keys: string[]): ObjectInfo[] {
  return keys.map((key) => ({ key, size: 1000, etag: `etag-${key}`, lastModified: new Date(0) }));
}

describe('Function: groupItems', () => {
  it("makes every page of a multi-page file an image of its own, in page order at the file's place", () => {
    // Prepare
    const listing = objects('Box2/Letters/b.png', 'Box2/Letters/a.tif', 'Box2/Letters/c.tiff');
    const pages = new Map([
      ['Box2/Letters/a.tif', 3],
      ['Box2/Letters/c.tiff', 2],
    ]);

    // Act
    const grouping = groupItems(listing, 'Box2', 's3://src/Box2/', pages);

    // Assess
    expect(grouping.items[0]?.images).toEqual([
      { name: 'a_p1', sourceKey: 'Box2/Letters/a.tif', page: 1 },
      { name: 'a_p2', sourceKey: 'Box2/Letters/a.tif', page: 2 },
      { name: 'a_p3', sourceKey: 'Box2/Letters/a.tif', page: 3 },
      { name: 'b', sourceKey: 'Box2/Letters/b.png' },
      { name: 'c_p1', sourceKey: 'Box2/Letters/c.tiff', page: 1 },
      { name: 'c_p2', sourceKey: 'Box2/Letters/c.tiff', page: 2 },
    ]);
    expect(grouping.images.map((image) => [image.name, image.page, image.pages, image.bytes])).toEqual([
      ['a_p1', 1, 3, 1000],
      ['a_p2', 2, 3, 1000],
      ['a_p3', 3, 3, 1000],
      ['b', undefined, undefined, 1000],
      ['c_p1', 1, 2, 1000],
      ['c_p2', 2, 2, 1000],
    ]);
  });

  it('makes one item per folder that directly holds images, named after the folder', () => {
    // Prepare
    const listing = objects('Box2/Folder1/a.tif', 'Box2/Folder1/b.TIF', 'Box2/Folder2/x.jpg');

    // Act
    const grouping = groupItems(listing, 'Box2', 's3://src/Box2/');

    // Assess
    expect(grouping.items.map((item) => [item.id, item.folder, item.images.map((image) => image.name)])).toEqual([
      ['Folder1', 'Box2/Folder1', ['a', 'b']],
      ['Folder2', 'Box2/Folder2', ['x']],
    ]);
    expect(grouping.images.map((image) => image.format)).toEqual(['tiff', 'tiff', 'jpeg']);
  });

  it('names an Access folder after its parent (the old convention)', () => {
    // Prepare
    const listing = objects('Box2/Box2_Folder19/Access/p1.tif', 'Box2/Box2_Folder20/access/p1.tif');

    // Act
    const grouping = groupItems(listing, 'Box2', 's3://src/Box2/');

    // Assess
    expect(grouping.items.map((item) => item.id)).toEqual(['Box2_Folder19', 'Box2_Folder20']);
  });

  it('treats images directly in ACCESS_DIR as one item named after it', () => {
    // Act
    const grouping = groupItems(objects('Coll/Box9/1.jpg'), 'Coll/Box9', 's3://src/Coll/Box9/');

    // Assess
    expect(grouping.items.map((item) => item.id)).toEqual(['Box9']);
  });

  it('recognises image extensions case-insensitively and ignores and counts everything else', () => {
    // Prepare
    const listing = objects(
      'A/F/1.JPG',
      'A/F/2.jpeg',
      'A/F/3.Tiff',
      'A/F/4.png',
      'A/F/5.webp',
      'A/F/6.gif',
      'A/F/notes.txt',
      'A/F/.DS_Store',
      'A/F/._1.JPG',
      'A/F/Thumbs.db',
      'A/F/',
    );

    // Act
    const grouping = groupItems(listing, 'A', 's3://src/A/');

    // Assess
    expect(grouping.images.map((image) => image.sourceKey)).toEqual([
      'A/F/1.JPG',
      'A/F/2.jpeg',
      'A/F/3.Tiff',
      'A/F/4.png',
      'A/F/5.webp',
      'A/F/6.gif',
    ]);
    expect(grouping.ignored).toEqual(['A/F/notes.txt', 'A/F/.DS_Store', 'A/F/._1.JPG', 'A/F/Thumbs.db']);
  });

  it('orders items and images naturally (page2 before page10)', () => {
    // Prepare
    const listing = objects('A/Folder10/page10.jpg', 'A/Folder10/page2.jpg', 'A/Folder9/page1.jpg');

    // Act
    const grouping = groupItems(listing, 'A', 's3://src/A/');

    // Assess
    expect(grouping.items.map((item) => item.id)).toEqual(['Folder9', 'Folder10']);
    expect(grouping.images.map((image) => image.name)).toEqual(['page1', 'page2', 'page10']);
  });

  it('rejects two folders with the same identifier, naming both', () => {
    // Prepare
    const listing = objects('A/Box1/F1/a.jpg', 'A/Box2/F1/Access/a.jpg');

    // Act
    const act = () => groupItems(listing, 'A', 's3://src/A/');

    // Assess
    expect(act).toThrow(PlanError);
    expect(act).toThrow(/item identifier "F1": "A\/Box1\/F1" and "A\/Box2\/F1\/Access"/);
  });

  it('carries size and etag into the plan', () => {
    // Act
    const [image] = groupItems(objects('A/F/1.jpg'), 'A', 's3://src/A/').images;

    // Assess
    expect(image).toEqual({
      item: 'F',
      sourceKey: 'A/F/1.jpg',
      name: '1',
      format: 'jpeg',
      bytes: 1000,
      etag: 'etag-A/F/1.jpg',
    });
  });
});

describe('Function: itemIdentifier', () => {
  it.each([
    ['a/b/Folder1', 'Folder1'],
    ['a/b/Folder1/Access', 'Folder1'],
    ['a/b/Folder1/ACCESS', 'Folder1'],
    ['Access', 'Access'],
  ])('%s is item %s', (folder, id) => {
    expect(itemIdentifier(folder, 'a')).toBe(id);
  });
});
