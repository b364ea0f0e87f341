import { describe, expect, it } from 'vitest';
import { imageNames, pageNames } from '../../src/plan/image-names.js';

describe('Function: imageNames', () => {
  it('keeps a recorded name; a newcomer that would take it gets the suffixed name', () => {
    // Prepare: p1.jpg was published as "p1"; p1.tif is added beside it.
    const recorded = new Map([['p1.jpg', 'p1']]);

    // Act
    const names = imageNames(['p1.jpg', 'p1.tif'], recorded);

    // Assess
    expect(Object.fromEntries(names)).toEqual({ 'p1.jpg': 'p1', 'p1.tif': 'p1_tif' });
    // Without the record, both would have been renamed.
    expect(Object.fromEntries(imageNames(['p1.jpg', 'p1.tif']))).toEqual({ 'p1.jpg': 'p1_jpg', 'p1.tif': 'p1_tif' });
  });

  it('keeps recorded names after the file they clashed with is gone, and frees the names of removed files', () => {
    // Prepare: p1.jpg and p1.tif were published as p1_jpg and p1_tif; p1.jpg was removed, p2.jpg was "p2".
    const recorded = new Map([
      ['p1.jpg', 'p1_jpg'],
      ['p1.tif', 'p1_tif'],
      ['p2.jpg', 'p2'],
    ]);

    // Act
    const names = imageNames(['p1.tif', 'p2.tif', 'p3.jpg'], recorded);

    // Assess: p1.tif keeps p1_tif; p2.tif may take "p2" (p2.jpg is gone); p3 is new.
    expect(Object.fromEntries(names)).toEqual({ 'p1.tif': 'p1_tif', 'p2.tif': 'p2', 'p3.jpg': 'p3' });
  });

  it('names a newcomer around every recorded name, even one that looks like its own fresh name', () => {
    // Prepare: "scan_tif.jpg" was published as scan_tif; then scan.tif and scan.jpg arrive.
    const recorded = new Map([['scan_tif.jpg', 'scan_tif']]);

    // Act
    const names = imageNames(['scan.jpg', 'scan.tif', 'scan_tif.jpg'], recorded);

    // Assess
    expect(names.get('scan_tif.jpg')).toBe('scan_tif');
    expect(names.get('scan.jpg')).toBe('scan_jpg');
    expect(names.get('scan.tif')).toMatch(/^scan_tif_[0-9a-f]{8}$/);
    expect(new Set(names.values()).size).toBe(3);
    expect([...names.keys()]).toEqual(['scan.jpg', 'scan.tif', 'scan_tif.jpg']);
  });

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

describe('Function: pageNames', () => {
  it('numbers the pages of multi-page files after their image name', () => {
    // Prepare
    const names = imageNames(['letter.tif', 'photo.jpg', 'report 2.pdf']);

    // Act
    const pages = pageNames(
      names,
      new Map([
        ['letter.tif', 3],
        ['photo.jpg', 1],
        ['report 2.pdf', 2],
      ]),
    );

    // Assess
    expect(Object.fromEntries(pages)).toEqual({
      'letter.tif': ['letter_p1', 'letter_p2', 'letter_p3'],
      'report 2.pdf': ['report_2_p1', 'report_2_p2'],
    });
  });

  it("adds a hash of the file name when a page name is another file's name, the same on every call", () => {
    // Prepare
    const names = imageNames(['letter.tif', 'letter_p2.jpg']);
    const counts = new Map([['letter.tif', 2]]);

    // Act
    const pages = pageNames(names, counts);

    // Assess
    const letter = pages.get('letter.tif') ?? [];
    expect(letter).toHaveLength(2);
    expect(letter[0]).toMatch(/^letter_[0-9a-f]{8}_p1$/);
    expect(letter[1]).toMatch(/^letter_[0-9a-f]{8}_p2$/);
    expect(letter).not.toContain('letter_p2');
    expect(pageNames(names, counts)).toEqual(pages);
  });
});
