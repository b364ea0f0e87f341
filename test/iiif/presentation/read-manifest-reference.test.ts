import { describe, expect, it } from 'vitest';
import { presentation2 } from '../../../src/iiif/presentation/presentation-2.js';
import { presentation3 } from '../../../src/iiif/presentation/presentation-3.js';
import type { ManifestModel } from '../../../src/iiif/presentation/presentation-model.js';
import { isManifestDocument, readManifestReference } from '../../../src/iiif/presentation/read-manifest-reference.js';
import { chooseThumbnail } from '../../../src/iiif/presentation/thumbnail.js';
import { publishedImage } from './helpers/published-image.js';

const URL_ = 'https://iiif.example.org/c/Folder%201/manifest.json';

const model: ManifestModel = {
  id: URL_,
  label: 'Dossier n° 1 — lettres',
  metadata: [],
  canvases: [
    {
      id: 'https://iiif.example.org/c/Folder%201/canvas/p1',
      label: 'p1',
      image: publishedImage({ serviceId: 'https://iiif.example.org/c/Folder%201/p1', width: 1500, height: 1000 }),
    },
  ],
};

describe('readManifestReference', () => {
  it.each([
    ['3.0', presentation3],
    ['2.1', presentation2],
  ])('reads label and thumbnail back from a %s manifest it published', (_version, strategy) => {
    // Prepare
    const document = JSON.parse(JSON.stringify(strategy.manifest(model)));

    // Act
    const reference = readManifestReference(document, URL_, 'Folder 1');

    // Assess
    expect(isManifestDocument(document)).toBe(true);
    expect(reference).toEqual({
      id: URL_,
      label: 'Dossier n° 1 — lettres',
      thumbnail: chooseThumbnail(model.canvases[0]?.image ?? fail()),
    });
  });

  it.each([
    [{ en: ['English'], fr: ['Français'] }, 'English'],
    [{ fr: ['Français'] }, 'Français'],
    [{ none: [''], de: ['Deutsch'] }, 'Deutsch'],
    [[{ '@value': 'Valeur', '@language': 'fr' }], 'Valeur'],
    [{ '@value': 'Wert' }, 'Wert'],
  ])('reads the label %j as %s', (label, expected) => {
    // Act
    const reference = readManifestReference({ type: 'Manifest', label }, URL_, 'fallback');

    // Assess
    expect(reference.label).toBe(expected);
  });

  it('falls back to the identifier when the manifest has no usable label, and keeps a bare thumbnail', () => {
    // Act
    const reference = readManifestReference(
      { '@type': 'sc:Manifest', label: '', thumbnail: 'https://x.example/t.jpg' },
      URL_,
      'Folder 1',
    );

    // Assess
    expect(reference).toEqual({ id: URL_, label: 'Folder 1', thumbnail: { id: 'https://x.example/t.jpg' } });
  });

  it('tells manifests from other documents', () => {
    // Assess
    expect(isManifestDocument({ type: 'Collection' })).toBe(false);
    expect(isManifestDocument({ '@type': 'sc:Collection' })).toBe(false);
    expect(isManifestDocument([])).toBe(false);
    expect(isManifestDocument('Manifest')).toBe(false);
  });
});

function fail(): never {
  throw new Error('test fixture is missing a value');
}
