import { fullImagePath } from '../image-paths.js';
import { embeddedImageService, type JsonObject } from './image-service.js';
import type {
  CanvasModel,
  CollectionModel,
  Description,
  ManifestModel,
  ManifestReference,
  Thumbnail,
} from './presentation-model.js';
import type { PresentationStrategy } from './presentation-strategy.js';
import { chooseThumbnail } from './thumbnail.js';

export const PRESENTATION_2_CONTEXT = 'http://iiif.io/api/presentation/2/context.json';

/**
 * IIIF Presentation API 2.1 (https://iiif.io/api/presentation/2.1/), for older viewers: an
 * `sc:Manifest` with one `sc:Sequence` of `sc:Canvas`es, each painted (`sc:painting`) by one
 * `oa:Annotation` whose resource is the `full` JPEG with its service; an `sc:Collection` listing
 * `manifests`. The same content as the 3.0 output.
 */
export const presentation2: PresentationStrategy = {
  version: 2,
  mediaType: `application/ld+json;profile="${PRESENTATION_2_CONTEXT}"`,

  manifest(model: ManifestModel): JsonObject {
    const first = model.canvases[0];
    return {
      '@context': PRESENTATION_2_CONTEXT,
      '@id': model.id,
      '@type': 'sc:Manifest',
      ...describe(model),
      ...(first === undefined ? {} : { thumbnail: thumbnail(chooseThumbnail(first.image)) }),
      ...(model.partOf === undefined ? {} : { within: model.partOf }),
      sequences: [
        {
          '@id': `${model.id.replace(/\/manifest\.json$/, '')}/sequence/normal`,
          '@type': 'sc:Sequence',
          canvases: model.canvases.map(canvas),
        },
      ],
    };
  },

  collection(model: CollectionModel): JsonObject {
    return {
      '@context': PRESENTATION_2_CONTEXT,
      '@id': model.id,
      '@type': 'sc:Collection',
      ...describe(model),
      ...(model.thumbnail === undefined ? {} : { thumbnail: thumbnail(model.thumbnail) }),
      manifests: model.manifests.map(manifestReference),
    };
  },
};

function describe(description: Description): JsonObject {
  const metadata = description.metadata
    .filter((entry) => entry.value !== '')
    .map((entry) => ({ label: entry.label, value: entry.value }));
  return {
    label: description.label,
    ...(description.summary === undefined ? {} : { description: description.summary }),
    ...(metadata.length === 0 ? {} : { metadata }),
    // 2.1 `license` takes any URI (§5.4 rights and licensing properties).
    ...(description.rights === undefined ? {} : { license: description.rights.value }),
    ...(description.requiredStatement === undefined ? {} : { attribution: description.requiredStatement.value }),
    ...(description.navDate === undefined ? {} : { navDate: description.navDate }),
  };
}

function thumbnail(thumb: Thumbnail): JsonObject {
  return {
    '@id': thumb.id,
    '@type': 'dctypes:Image',
    ...(thumb.format === undefined ? {} : { format: thumb.format }),
    ...(thumb.width === undefined ? {} : { width: thumb.width }),
    ...(thumb.height === undefined ? {} : { height: thumb.height }),
  };
}

function canvas(model: CanvasModel): JsonObject {
  const { image } = model;
  return {
    '@id': model.id,
    '@type': 'sc:Canvas',
    label: model.label,
    width: image.width,
    height: image.height,
    thumbnail: thumbnail(chooseThumbnail(image)),
    images: [
      {
        '@id': `${model.id}/painting`,
        '@type': 'oa:Annotation',
        motivation: 'sc:painting',
        on: model.id,
        resource: {
          '@id': `${image.serviceId}/${fullImagePath(image.imageApiVersion)}`,
          '@type': 'dctypes:Image',
          format: image.format,
          width: image.full.width,
          height: image.full.height,
          service: embeddedImageService(image, 2),
        },
      },
    ],
  };
}

function manifestReference(reference: ManifestReference): JsonObject {
  return {
    '@id': reference.id,
    '@type': 'sc:Manifest',
    label: reference.label,
    ...(reference.thumbnail === undefined ? {} : { thumbnail: thumbnail(reference.thumbnail) }),
  };
}
