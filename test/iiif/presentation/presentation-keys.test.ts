import { describe, expect, it } from 'vitest';
import {
  canvasId,
  collectionManifestKey,
  itemOfManifestKey,
  manifestKey,
} from '../../../src/iiif/presentation/presentation-keys.js';
import { presentation3Rights } from '../../../src/iiif/presentation/rights-uri.js';
import { naturalCompare } from '../../../src/plan/natural-compare.js';
import { publicUrl } from '../../../src/task/task.js';
import { testTask } from '../../helpers/test-task.js';

describe('presentation keys', () => {
  it('places manifests under the collection and the collection beside them', () => {
    // Prepare
    const task = testTask({
      destUrl: 'https://d21nnzi4oh5qvs.cloudfront.net',
      destPrefix: 'iawa/Women_of_Design',
      collectionId: 'Box2',
    });

    // Act
    const manifest = manifestKey(task, 'Folder 19 (é)');
    const collection = collectionManifestKey(task);

    // Assess
    expect(manifest).toBe('iawa/Women_of_Design/Box2/Folder 19 (é)/manifest.json');
    expect(collection).toBe('iawa/Women_of_Design/Box2/collection.json');
    expect(publicUrl(task, manifest)).toBe(
      'https://d21nnzi4oh5qvs.cloudfront.net/iawa/Women_of_Design/Box2/Folder%2019%20(%C3%A9)/manifest.json',
    );
    expect(canvasId(task, 'Folder 19 (é)', 'p1')).toBe(
      'https://d21nnzi4oh5qvs.cloudfront.net/iawa/Women_of_Design/Box2/Folder%2019%20(%C3%A9)/canvas/p1',
    );
  });

  it('recognises item manifests directly under the collection only', () => {
    // Prepare
    const task = testTask({ destPrefix: 'p', collectionId: 'C' });

    // Assess
    expect(itemOfManifestKey(task, 'p/C/Folder1/manifest.json')).toBe('Folder1');
    expect(itemOfManifestKey(task, 'p/C/collection.json')).toBeUndefined();
    expect(itemOfManifestKey(task, 'p/C/Folder1/page1/manifest.json')).toBeUndefined();
    expect(itemOfManifestKey(task, 'p/C/Folder1/page1/info.json')).toBeUndefined();
    expect(itemOfManifestKey(task, 'p/Other/Folder1/manifest.json')).toBeUndefined();
    expect(itemOfManifestKey(task, 'p/CC/Folder1/manifest.json')).toBeUndefined();
  });
});

describe('naturalCompare', () => {
  it('orders digit runs by value and letters without regard to case', () => {
    // Prepare
    const names = ['page10.tif', 'Page2.tif', 'page1.tif', 'page02b.tif', 'page100.tif', 'appendix.tif'];

    // Act
    const sorted = [...names].sort(naturalCompare);

    // Assess
    expect(sorted).toEqual(['appendix.tif', 'page1.tif', 'Page2.tif', 'page02b.tif', 'page10.tif', 'page100.tif']);
  });

  it('is a total order: names equal to the collator still compare', () => {
    // Assess
    expect(naturalCompare('a', 'A')).not.toBe(0);
    expect(Math.sign(naturalCompare('a', 'A'))).toBe(-Math.sign(naturalCompare('A', 'a')));
    expect(naturalCompare('same', 'same')).toBe(0);
  });
});

describe('presentation3Rights', () => {
  it.each([
    ['http://creativecommons.org/licenses/by/4.0/', 'http://creativecommons.org/licenses/by/4.0/'],
    ['https://creativecommons.org/publicdomain/zero/1.0/', 'http://creativecommons.org/publicdomain/zero/1.0/'],
    ['https://rightsstatements.org/vocab/InC/1.0/', 'http://rightsstatements.org/vocab/InC/1.0/'],
    ['https://example.org/license', undefined],
    ['http://creativecommons.org/about', undefined],
  ])('maps %s to %s', (uri, expected) => {
    // Assess
    expect(presentation3Rights(uri)).toBe(expected);
  });
});
