import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPublishedDocuments, labelOf } from '../../src/preview/find-published-documents.js';

describe('Function: findPublishedDocuments', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'find-documents-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function put(path: string, text: string): Promise<void> {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }

  it('finds collections and manifests in natural order with their ids and labels', async () => {
    // Prepare
    await put('p/C/collection.json', JSON.stringify({ '@id': 'http://h/p/C/collection.json', label: 'Two-one' }));
    await put('p/C/Folder10/manifest.json', JSON.stringify({ id: 'http://h/10', label: { en: ['Ten'] } }));
    await put('p/C/Folder2/manifest.json', JSON.stringify({ id: 'http://h/2', label: { none: ['Two'] } }));
    await put('p/C/Folder3/manifest.json', '{ not json');

    // Act
    const found = await findPublishedDocuments(root);

    // Assess
    expect(found.collections).toEqual([
      { path: '/p/C/collection.json', kind: 'collection', id: 'http://h/p/C/collection.json', label: 'Two-one' },
    ]);
    expect(found.manifests.map((document) => [document.path, document.label, document.id])).toEqual([
      ['/p/C/Folder2/manifest.json', 'Two', 'http://h/2'],
      ['/p/C/Folder3/manifest.json', '/p/C/Folder3/manifest.json', undefined],
      ['/p/C/Folder10/manifest.json', 'Ten', 'http://h/10'],
    ]);
    expect(found.manifests[1]?.error).toMatch(/JSON/);
    expect(found.truncated).toBe(false);
  });

  it('does not enter image services, hidden folders or run records', async () => {
    // Prepare
    await put('p/C/F/img/info.json', '{}');
    await put('p/C/F/img/nested/manifest.json', '{}');
    await put('.hidden/manifest.json', '{}');
    await put('_iiif-batch/runs/r/collection.json', '{}');

    // Act
    const found = await findPublishedDocuments(root);

    // Assess
    expect(found).toEqual({ collections: [], manifests: [], truncated: false });
  });

  it('says when a limit stopped the walk', async () => {
    // Prepare
    await put('a/manifest.json', '{}');
    await put('b/manifest.json', '{}');

    // Act
    const found = await findPublishedDocuments(root, { maxDocuments: 1 });

    // Assess
    expect(found.manifests).toHaveLength(1);
    expect(found.truncated).toBe(true);
  });
});

describe('Function: labelOf', () => {
  it.each([
    ['Plain', 'Plain'],
    [{ none: ['No language'] }, 'No language'],
    [{ fr: ['Français'], en: ['English'] }, 'English'],
    [{ de: ['Deutsch'] }, 'Deutsch'],
    [[{ '@value': 'A', '@language': 'en' }, 'B'], 'A; B'],
    [42, undefined],
    [undefined, undefined],
  ])('reads %j as %j', (label, expected) => {
    // Act
    const text = labelOf(label);

    // Assess
    expect(text).toBe(expected);
  });
});
