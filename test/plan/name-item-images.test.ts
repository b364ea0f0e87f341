import { describe, expect, it } from 'vitest';
import { nameItemImages } from '../../src/plan/name-item-images.js';

describe('Function: nameItemImages', () => {
  it("makes every page of a multi-page file an image of its own, in page order at the file's place", () => {
    // Act
    const named = nameItemImages(['b.png', 'a.tif', 'c.tiff'], [1, 3, 2]);

    // Assess
    expect(named.order).toEqual([1, 0, 2]);
    expect(named.imageNames).toEqual([['a_p1', 'a_p2', 'a_p3'], ['b'], ['c_p1', 'c_p2']]);
    expect([...named.names]).toEqual([
      ['a.tif', 'a'],
      ['b.png', 'b'],
      ['c.tiff', 'c'],
    ]);
  });

  it('orders files naturally (page2 before page10)', () => {
    // Act
    const named = nameItemImages(['page10.jpg', 'page2.jpg', 'page1.jpg'], [1, 1, 1]);

    // Assess
    expect(named.imageNames.flat()).toEqual(['page1', 'page2', 'page10']);
  });

  it('keeps recorded names and says whether the names changed', () => {
    // Prepare
    const recorded = new Map([['p1.jpg', 'p1']]);

    // Act
    const same = nameItemImages(['p1.jpg'], [1], recorded);
    const added = nameItemImages(['p1.jpg', 'p1.tif'], [1, 1], recorded);
    const fresh = nameItemImages(['p1.jpg'], [1]);

    // Assess
    expect(same.changed).toBe(false);
    expect(added.changed).toBe(true);
    expect(added.imageNames).toEqual([['p1'], ['p1_tif']]);
    expect(fresh.changed).toBe(true);
  });
});
