import { describe, expect, it } from 'vitest';
import { presentation2 } from '../../../src/iiif/presentation/presentation-2.js';
import type { CollectionModel, ManifestModel } from '../../../src/iiif/presentation/presentation-model.js';
import { chooseThumbnail } from '../../../src/iiif/presentation/thumbnail.js';
import {
  allmapsCollectionView,
  allmapsManifestView,
  manifestoCollectionView,
  manifestoView,
} from './helpers/presentation-judges.js';
import { publishedImage } from './helpers/published-image.js';

const BASE = 'https://iiif.example.org/iawa/Box2';

function manifestModel(version: 2 | 3): ManifestModel {
  return {
    id: `${BASE}/Folder19/manifest.json`,
    label: 'Folder 19',
    summary: 'Letters, 1979',
    metadata: [{ label: 'Creator', value: 'Sherry Ahrentzen' }],
    rights: { label: 'Rights', value: 'https://example.org/terms' },
    requiredStatement: { label: 'Attribution', value: 'Special Collections, Virginia Tech' },
    navDate: '1979-05-02T00:00:00Z',
    partOf: `${BASE}/collection.json`,
    canvases: [1, 2, 3].map((page) => ({
      id: `${BASE}/Folder19/canvas/page${page}`,
      label: `page${page}`,
      image: publishedImage({ serviceId: `${BASE}/Folder19/page${page}`, width: 1800, height: 2400, version }),
    })),
  };
}

function published(document: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
}

describe('presentation2.manifest', () => {
  it('writes an sc:Manifest with one sequence of canvases painted by oa:Annotations', () => {
    // Prepare
    const model = manifestModel(2);

    // Act
    const manifest = published(presentation2.manifest(model));

    // Assess
    expect(manifest).toMatchObject({
      '@context': 'http://iiif.io/api/presentation/2/context.json',
      '@id': model.id,
      '@type': 'sc:Manifest',
      label: 'Folder 19',
      description: 'Letters, 1979',
      metadata: [{ label: 'Creator', value: 'Sherry Ahrentzen' }],
      license: 'https://example.org/terms',
      attribution: 'Special Collections, Virginia Tech',
      navDate: '1979-05-02T00:00:00Z',
      within: `${BASE}/collection.json`,
      thumbnail: { '@id': chooseThumbnail(model.canvases[0]?.image ?? fail()).id, '@type': 'dctypes:Image' },
    });
    const sequences = manifest.sequences as { '@type': string; canvases: Record<string, unknown>[] }[];
    expect(sequences).toHaveLength(1);
    expect(sequences[0]?.['@type']).toBe('sc:Sequence');
    const canvases = sequences[0]?.canvases ?? [];
    expect(canvases.map((canvas) => canvas['@id'])).toEqual(model.canvases.map((canvas) => canvas.id));
    const first = model.canvases[0]?.image ?? fail();
    expect(canvases[0]).toMatchObject({
      '@type': 'sc:Canvas',
      label: 'page1',
      width: 1800,
      height: 2400,
      images: [
        {
          '@type': 'oa:Annotation',
          motivation: 'sc:painting',
          on: model.canvases[0]?.id,
          resource: {
            '@id': `${first.serviceId}/full/full/0/default.jpg`,
            '@type': 'dctypes:Image',
            format: 'image/jpeg',
            width: first.full.width,
            height: first.full.height,
            service: {
              '@context': 'http://iiif.io/api/image/2/context.json',
              '@id': first.serviceId,
              profile: 'http://iiif.io/api/image/2/level0.json',
              width: 1800,
              height: 2400,
              sizes: first.sizes,
            },
          },
        },
      ],
    });
  });

  it('has the same content for manifesto.js as the 3.0 output', async () => {
    // Prepare
    const model = manifestModel(2);
    const { presentation3 } = await import('../../../src/iiif/presentation/presentation-3.js');

    // Act
    const two = manifestoView(published(presentation2.manifest(model)));
    const three = manifestoView(published(presentation3.manifest(model)));

    // Assess
    expect(two.canvases).toHaveLength(3);
    expect(two).toEqual(three);
  });

  it('parses with @allmaps/iiif-parser as a 2.x manifest with its image services', () => {
    // Prepare
    const model = manifestModel(2);

    // Act
    const view = allmapsManifestView(published(presentation2.manifest(model)));

    // Assess
    expect(view.majorVersion).toBe(2);
    expect(view.canvases.map((canvas) => [canvas.uri, canvas.imageUri, canvas.imageMajorVersion])).toEqual(
      model.canvases.map((canvas) => [canvas.id, canvas.image.serviceId, 2]),
    );
    expect(view.canvases[0]).toMatchObject({ width: 1800, height: 2400, imageWidth: 1800, imageHeight: 2400 });
  });

  it('embeds an Image API 3.0 service with its own context in a 2.1 manifest', () => {
    // Prepare
    const model = manifestModel(3);

    // Act
    const manifest = published(presentation2.manifest(model));

    // Assess
    const resource = JSON.parse(JSON.stringify(manifest.sequences)).at(0).canvases.at(0).images.at(0).resource;
    expect(resource['@id']).toMatch(/\/full\/max\/0\/default\.jpg$/);
    expect(resource.service).toMatchObject({
      '@context': 'http://iiif.io/api/image/3/context.json',
      id: model.canvases[0]?.image.serviceId,
      type: 'ImageService3',
      profile: 'level0',
    });
    expect(allmapsManifestView(manifest).canvases[0]?.imageMajorVersion).toBe(3);
  });
});

describe('presentation2.collection', () => {
  it('writes an sc:Collection listing sc:Manifest references with labels and thumbnails', () => {
    // Prepare
    const thumbnail = chooseThumbnail(publishedImage({ serviceId: `${BASE}/A/p1`, width: 800, height: 600 }));
    const model: CollectionModel = {
      id: `${BASE}/collection.json`,
      label: 'Box 2',
      metadata: [],
      thumbnail,
      manifests: [
        { id: `${BASE}/A/manifest.json`, label: 'Folder A', thumbnail },
        { id: `${BASE}/B/manifest.json`, label: 'Folder B' },
      ],
    };

    // Act
    const collection = published(presentation2.collection(model));

    // Assess
    expect(collection).toEqual({
      '@context': 'http://iiif.io/api/presentation/2/context.json',
      '@id': model.id,
      '@type': 'sc:Collection',
      label: 'Box 2',
      thumbnail: { '@id': thumbnail.id, '@type': 'dctypes:Image', format: 'image/jpeg', width: 400, height: 300 },
      manifests: [
        {
          '@id': `${BASE}/A/manifest.json`,
          '@type': 'sc:Manifest',
          label: 'Folder A',
          thumbnail: { '@id': thumbnail.id, '@type': 'dctypes:Image', format: 'image/jpeg', width: 400, height: 300 },
        },
        { '@id': `${BASE}/B/manifest.json`, '@type': 'sc:Manifest', label: 'Folder B' },
      ],
    });
    expect(manifestoCollectionView(collection).manifests).toEqual([
      `${BASE}/A/manifest.json`,
      `${BASE}/B/manifest.json`,
    ]);
    const allmaps = allmapsCollectionView(collection);
    expect(allmaps.majorVersion).toBe(2);
    expect(allmaps.items.map((item) => item.uri)).toEqual([`${BASE}/A/manifest.json`, `${BASE}/B/manifest.json`]);
  });
});

function fail(): never {
  throw new Error('test fixture is missing a value');
}
