import { describe, expect, it } from 'vitest';
import { sizeImagePath } from '../../../src/iiif/image-paths.js';
import { presentation3 } from '../../../src/iiif/presentation/presentation-3.js';
import type { CollectionModel, ManifestModel } from '../../../src/iiif/presentation/presentation-model.js';
import {
  PRESENTATION_CACHE_CONTROL,
  presentationStrategy,
} from '../../../src/iiif/presentation/presentation-strategy.js';
import { chooseThumbnail } from '../../../src/iiif/presentation/thumbnail.js';
import {
  allmapsCollectionView,
  allmapsManifestView,
  manifestoCollectionView,
  manifestoView,
  schemaErrors,
} from './helpers/presentation-judges.js';
import { publishedImage } from './helpers/published-image.js';

const BASE = 'https://iiif.example.org/iawa/Box2';

function manifestModel(overrides: Partial<ManifestModel> = {}): ManifestModel {
  return {
    id: `${BASE}/Folder19/manifest.json`,
    label: 'Folder 19: Letters',
    summary: 'Letters from the "Women’s Development" files, 1979–1984.',
    metadata: [
      { label: 'Creator', value: 'Sherry Ahrentzen' },
      { label: 'Subject', value: 'Architecture; Women' },
    ],
    rights: { label: 'Rights', value: 'http://rightsstatements.org/vocab/InC-EDU/1.0/' },
    requiredStatement: { label: 'Attribution', value: 'Special Collections, Virginia Tech' },
    navDate: '1979-05-02T00:00:00Z',
    partOf: `${BASE}/collection.json`,
    canvases: [1, 2].map((page) => ({
      id: `${BASE}/Folder19/canvas/page${page}`,
      label: `page${page}`,
      image: publishedImage({ serviceId: `${BASE}/Folder19/page${page}`, width: 2400 + page, height: 3200 }),
    })),
    ...overrides,
  };
}

/** JSON as it is published (a round trip drops `undefined`s and proves it serialises). */
function published(document: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
}

describe('presentation3.manifest', () => {
  it('writes a Manifest that validates against the Presentation 3 schema', () => {
    // Prepare
    const model = manifestModel();

    // Act
    const manifest = published(presentation3.manifest(model));

    // Assess
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifest).toMatchObject({
      '@context': 'http://iiif.io/api/presentation/3/context.json',
      id: model.id,
      type: 'Manifest',
      label: { none: ['Folder 19: Letters'] },
      summary: { none: [model.summary] },
      metadata: [
        { label: { none: ['Creator'] }, value: { none: ['Sherry Ahrentzen'] } },
        { label: { none: ['Subject'] }, value: { none: ['Architecture; Women'] } },
      ],
      rights: 'http://rightsstatements.org/vocab/InC-EDU/1.0/',
      requiredStatement: { label: { none: ['Attribution'] }, value: { none: ['Special Collections, Virginia Tech'] } },
      navDate: '1979-05-02T00:00:00Z',
      partOf: [{ id: `${BASE}/collection.json`, type: 'Collection' }],
    });
  });

  it('is judged by a schema check that does reject broken manifests', () => {
    // Prepare
    const manifest = published(presentation3.manifest(manifestModel()));
    const { items: _items, ...withoutItems } = manifest;

    // Act
    const broken = [
      withoutItems,
      { ...manifest, navDate: '1979-05-02' },
      { ...manifest, id: 'not a uri' },
      { ...manifest, rights: 'https://example.org/terms' },
    ].map(schemaErrors);

    // Assess
    expect(schemaErrors(manifest)).toEqual([]);
    for (const errors of broken) expect(errors.length).toBeGreaterThan(0);
  });

  it('paints each canvas with the full image and embeds its level-0 ImageService3', () => {
    // Prepare
    const model = manifestModel();

    // Act
    const manifest = published(presentation3.manifest(model));

    // Assess
    const items = manifest.items as Record<string, unknown>[];
    expect(items).toHaveLength(2);
    for (const [index, canvas] of items.entries()) {
      const source = model.canvases[index];
      if (source === undefined) throw new Error('missing canvas model');
      const { image } = source;
      expect(canvas).toMatchObject({
        id: source.id,
        type: 'Canvas',
        label: { none: [source.label] },
        width: image.width,
        height: image.height,
      });
      const page = (canvas.items as Record<string, unknown>[])[0] as Record<string, unknown>;
      expect(page.type).toBe('AnnotationPage');
      const annotation = (page.items as Record<string, unknown>[])[0];
      expect(annotation).toMatchObject({
        type: 'Annotation',
        motivation: 'painting',
        target: source.id,
        body: {
          id: `${image.serviceId}/full/max/0/default.jpg`,
          type: 'Image',
          format: 'image/jpeg',
          width: image.full.width,
          height: image.full.height,
          service: [
            {
              id: image.serviceId,
              type: 'ImageService3',
              profile: 'level0',
              width: image.width,
              height: image.height,
              sizes: image.sizes,
              tiles: image.tiles,
            },
          ],
        },
      });
    }
  });

  it('gives the manifest and every canvas a thumbnail that is one of the published sizes', () => {
    // Prepare
    const model = manifestModel();

    // Act
    const manifest = published(presentation3.manifest(model));

    // Assess
    const first = model.canvases[0]?.image;
    if (first === undefined) throw new Error('missing image');
    const thumbnail = (manifest.thumbnail as Record<string, unknown>[])[0];
    expect(thumbnail).toEqual({
      id: expect.stringMatching(new RegExp(`^${first.serviceId}/full/\\d+,\\d+/0/default\\.jpg$`)),
      type: 'Image',
      format: 'image/jpeg',
      width: expect.any(Number),
      height: expect.any(Number),
    });
    const size = { width: thumbnail?.width as number, height: thumbnail?.height as number };
    expect(first.sizes).toContainEqual(size);
    expect(thumbnail?.id).toBe(`${first.serviceId}/${sizeImagePath(3, size)}`);
    for (const [index, canvas] of (manifest.items as Record<string, unknown>[]).entries()) {
      const image = model.canvases[index]?.image;
      if (image === undefined) throw new Error('missing image');
      expect((canvas.thumbnail as { id: string }[])[0]?.id).toBe(chooseThumbnail(image).id);
    }
  });

  it('parses with manifesto.js: label, canvases, thumbnails and image service', () => {
    // Prepare
    const model = manifestModel();

    // Act
    const view = manifestoView(published(presentation3.manifest(model)));

    // Assess
    expect(view.label).toBe('Folder 19: Letters');
    expect(view.thumbnail).toBe(chooseThumbnail(model.canvases[0]?.image ?? fail()).id);
    expect(view.canvases).toEqual(
      model.canvases.map((canvas) => ({
        id: canvas.id,
        label: canvas.label,
        width: canvas.image.width,
        height: canvas.image.height,
        thumbnail: chooseThumbnail(canvas.image).id,
        imageId: `${canvas.image.serviceId}/full/max/0/default.jpg`,
        serviceId: canvas.image.serviceId,
        serviceProfile: 'level0',
      })),
    );
  });

  it('parses with @allmaps/iiif-parser: canvases, image services (v3) and thumbnails', () => {
    // Prepare
    const model = manifestModel();

    // Act
    const view = allmapsManifestView(published(presentation3.manifest(model)));

    // Assess
    expect(view.majorVersion).toBe(3);
    expect(view.label).toEqual({ none: ['Folder 19: Letters'] });
    expect(view.canvases.map((canvas) => [canvas.uri, canvas.imageUri, canvas.imageMajorVersion])).toEqual(
      model.canvases.map((canvas) => [canvas.id, canvas.image.serviceId, 3]),
    );
    expect(view.canvases[0]?.thumbnail?.[0]).toMatchObject({
      id: chooseThumbnail(model.canvases[0]?.image ?? fail()).id,
    });
  });

  it('embeds an Image API 2.1 service as ImageService2 with the full/full file', () => {
    // Prepare
    const image = publishedImage({ serviceId: `${BASE}/Folder19/page1`, width: 900, height: 600, version: 2 });
    const model = manifestModel({ canvases: [{ id: `${BASE}/Folder19/canvas/page1`, label: 'page1', image }] });

    // Act
    const manifest = published(presentation3.manifest(model));

    // Assess
    expect(schemaErrors(manifest)).toEqual([]);
    const body = JSON.parse(JSON.stringify(manifest.items)).at(0).items.at(0).items.at(0).body;
    expect(body.id).toBe(`${image.serviceId}/full/full/0/default.jpg`);
    expect(body.service).toEqual([
      expect.objectContaining({
        '@id': image.serviceId,
        '@type': 'ImageService2',
        profile: 'http://iiif.io/api/image/2/level0.json',
        width: 900,
        height: 600,
      }),
    ]);
    expect((manifest.thumbnail as { id: string }[])[0]?.id).toMatch(/\/full\/\d+,\/0\/default\.jpg$/);
    const allmaps = allmapsManifestView(manifest);
    expect(allmaps.canvases[0]?.imageMajorVersion).toBe(2);
    expect(manifestoView(manifest).canvases[0]?.serviceId).toBe(image.serviceId);
  });

  it('sizes the canvas as the image and the body as the capped full file, with maxWidth/maxHeight', () => {
    // Prepare
    const image = publishedImage({ serviceId: `${BASE}/Map/sheet1`, width: 30000, height: 20000, fullMax: 10000 });
    const model = manifestModel({ canvases: [{ id: `${BASE}/Map/canvas/sheet1`, label: 'sheet1', image }] });

    // Act
    const manifest = published(presentation3.manifest(model));

    // Assess
    expect(schemaErrors(manifest)).toEqual([]);
    const canvas = (manifest.items as Record<string, unknown>[])[0];
    expect(canvas).toMatchObject({ width: 30000, height: 20000 });
    const body = JSON.parse(JSON.stringify(canvas)).items[0].items[0].body;
    expect(body).toMatchObject({ width: 10000, height: 6667 });
    expect(body.service[0]).toMatchObject({ maxWidth: 10000, maxHeight: 6667 });
    expect(body.service[0].sizes.at(-1)).toEqual({ width: 10000, height: 6667 });
  });

  it('puts a Creative Commons https URI into rights in its canonical http form', () => {
    // Prepare
    const model = manifestModel({ rights: { label: 'Rights', value: 'https://creativecommons.org/licenses/by/4.0/' } });

    // Act
    const manifest = published(presentation3.manifest(model));

    // Assess
    expect(manifest.rights).toBe('http://creativecommons.org/licenses/by/4.0/');
    expect(schemaErrors(manifest)).toEqual([]);
  });

  it('shows a rights URI that rights cannot take as a metadata pair instead', () => {
    // Prepare
    const model = manifestModel({ rights: { label: 'License', value: 'https://example.org/terms-of-use' } });

    // Act
    const manifest = published(presentation3.manifest(model));

    // Assess
    expect(manifest.rights).toBeUndefined();
    expect(manifest.metadata).toContainEqual({
      label: { none: ['License'] },
      value: { none: ['https://example.org/terms-of-use'] },
    });
    expect(schemaErrors(manifest)).toEqual([]);
  });

  it('leaves out optional properties the model does not have', () => {
    // Prepare
    const model: ManifestModel = {
      id: `${BASE}/Bare/manifest.json`,
      label: 'Bare',
      metadata: [{ label: 'Empty', value: '' }],
      canvases: manifestModel().canvases.slice(0, 1),
    };

    // Act
    const manifest = published(presentation3.manifest(model));

    // Assess
    expect(Object.keys(manifest).sort()).toEqual(['@context', 'id', 'items', 'label', 'thumbnail', 'type']);
    expect(schemaErrors(manifest)).toEqual([]);
  });
});

describe('presentation3.collection', () => {
  const collectionModel = (): CollectionModel => {
    const images = ['Folder2', 'Folder10'].map((item) =>
      publishedImage({ serviceId: `${BASE}/${item}/p1`, width: 1000, height: 1400 }),
    );
    return {
      id: `${BASE}/collection.json`,
      label: 'Box 2',
      summary: 'Women’s Development Corporation records, box 2',
      metadata: [{ label: 'Extent', value: '2 folders' }],
      rights: { label: 'Rights', value: 'http://creativecommons.org/publicdomain/mark/1.0/' },
      thumbnail: chooseThumbnail(images[0] ?? fail()),
      manifests: ['Folder2', 'Folder10'].map((item, index) => ({
        id: `${BASE}/${item}/manifest.json`,
        label: `Folder ${item.slice(6)}`,
        thumbnail: chooseThumbnail(images[index] ?? fail()),
      })),
    };
  };

  it('writes a Collection of Manifest references that validates against the schema', () => {
    // Prepare
    const model = collectionModel();

    // Act
    const collection = published(presentation3.collection(model));

    // Assess
    expect(schemaErrors(collection)).toEqual([]);
    expect(collection).toMatchObject({
      '@context': 'http://iiif.io/api/presentation/3/context.json',
      id: model.id,
      type: 'Collection',
      label: { none: ['Box 2'] },
      rights: 'http://creativecommons.org/publicdomain/mark/1.0/',
      items: model.manifests.map((manifest) => ({
        id: manifest.id,
        type: 'Manifest',
        label: { none: [manifest.label] },
        thumbnail: [{ id: manifest.thumbnail?.id, type: 'Image', format: 'image/jpeg' }],
      })),
    });
  });

  it('parses with manifesto.js and @allmaps/iiif-parser', () => {
    // Prepare
    const model = collectionModel();

    // Act
    const collection = published(presentation3.collection(model));

    // Assess
    expect(manifestoCollectionView(collection)).toEqual({
      label: 'Box 2',
      manifests: model.manifests.map((manifest) => manifest.id),
    });
    const allmaps = allmapsCollectionView(collection);
    expect(allmaps.items.map((item) => [item.uri, item.type, item.label])).toEqual(
      model.manifests.map((manifest) => [manifest.id, 'manifest', { none: [manifest.label] }]),
    );
    expect(allmaps.items[1]?.thumbnail?.[0]).toMatchObject({ id: model.manifests[1]?.thumbnail?.id });
  });
});

describe('presentationStrategy', () => {
  it('picks the version and publishes JSON-LD with the version context as profile', () => {
    // Act
    const three = presentationStrategy(3);
    const two = presentationStrategy(2);

    // Assess
    expect(three.version).toBe(3);
    expect(three.mediaType).toBe('application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"');
    expect(two.version).toBe(2);
    expect(two.mediaType).toBe('application/ld+json;profile="http://iiif.io/api/presentation/2/context.json"');
    expect(PRESENTATION_CACHE_CONTROL).toMatch(/max-age=\d{1,4}(?!\d)/);
  });
});

function fail(): never {
  throw new Error('test fixture is missing a value');
}
