import { describe, expect, it } from 'vitest';
import { imageNames } from '../../src/plan/image-names.js';

describe('Function: imageNames', () => {
  it('uses the file name without extension when it is URL-safe', () => {
    expect([...imageNames(['page-1.tif', 'page_2.JPG', 'v1.2.png']).values()]).toEqual(['page-1', 'page_2', 'v1.2']);
  });

  it('replaces characters outside A-Z a-z 0-9 . _ - with _', () => {
    expect([...imageNames(['page 1 (recto).tif', 'Seite#ä?.jpg']).values()]).toEqual(['page_1__recto_', 'Seite___']);
  });

  it('keeps the extension of files that share a name', () => {
    expect(Object.fromEntries(imageNames(['scan.tif', 'scan.jpg', 'other.png']))).toEqual({
      'scan.tif': 'scan_tif',
      'scan.jpg': 'scan_jpg',
      'other.png': 'other',
    });
  });

  it('adds a hash when sanitised names still clash, and stays the same on every call', () => {
    // Act
    const first = imageNames(['a b.jpg', 'a_b.jpg', 'a?b.jpg']);
    const second = imageNames(['a?b.jpg', 'a_b.jpg', 'a b.jpg']);

    // Assess
    const names = [...first.values()];
    expect(new Set(names).size).toBe(3);
    for (const name of names) expect(name).toMatch(/^a_b_jpg_[0-9a-f]{8}$/);
    expect(Object.fromEntries(second)).toEqual(Object.fromEntries(first));
  });

  it('never ends a name in .json, so no image folder clashes with manifest.json', () => {
    expect([...imageNames(['manifest.json.tif', 'info.JSON.png']).values()]).toEqual(['manifest_json', 'info_json']);
  });

  it('never starts a name with a dot and never returns an empty name', () => {
    expect([...imageNames(['..jpg', '.hidden.png']).values()].every((name) => /^[A-Za-z0-9_-]/.test(name))).toBe(true);
  });
});
