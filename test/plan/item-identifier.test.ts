import { describe, expect, it } from 'vitest';
import { itemIdentifier } from '../../src/plan/item-identifier.js';

describe('Function: itemIdentifier', () => {
  it.each([
    ['a/b/Folder1', 'Folder1'],
    ['a/b/Folder1/Access', 'Folder1'],
    ['a/b/Folder1/ACCESS', 'Folder1'],
    ['Access', 'Access'],
  ])('%s is item %s', (folder, id) => {
    expect(itemIdentifier(folder, 'a')).toBe(id);
  });

  it('names images directly in ACCESS_DIR after it', () => {
    expect(itemIdentifier('', 'Coll/Box9')).toBe('Box9');
  });
});
