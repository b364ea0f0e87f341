import { fullImagePath } from '../image-paths.js';
import { embeddedImageService, type JsonObject } from './image-service.js';
import type {
  CanvasModel,
  CollectionModel,
  Description,
  LabelledText,
  ManifestModel,
  ManifestReference,
  Thumbnail,
} from './presentation-model.js';
import type { PresentationStrategy } from './presentation-strategy.js';
import { presentation3Rights } from './rights-uri.js';
import { chooseThumbnail } from './thumbnail.js';

export const PRESENTATION_3_CONTEXT = 'http://iiif.io/api/presentation/3/context.json';

/**
 * IIIF Presentation API 3.0 (https://iiif.io/api/presentation/3.0/): a Manifest whose Canvases each
 * hold one AnnotationPage with one `painting` Annotation, the image's `full` JPEG as body with its
 * level-0 service embedded; a Collection whose `items` are Manifest references.
 */
export const presentation3: PresentationStrategy = {
  version: 3,
  mediaType: `application/ld+json;profile="${PRESENTATION_3_CONTEXT}"`,

  manifest(model: ManifestModel): JsonObject {
    const first = model.canvases[0];
    return {
      '@context': PRESENTATION_3_CONTEXT,
      id: model.id,
      type: 'Manifest',
      ...describe(model),
      ...(first === undefined ? {} : { thumbnail: [thumbnail(chooseThumbnail(first.image))] }),
      ...(model.partOf === undefined ? {} : { partOf: [{ id: model.partOf, type: 'Collection' }] }),
      items: model.canvases.map(canvas),
    };
  },

  collection(model: CollectionModel): JsonObject {
    return {
      '@context': PRESENTATION_3_CONTEXT,
      id: model.id,
      type: 'Collection',
      ...describe(model),
      ...(model.thumbnail === undefined ? {} : { thumbnail: [thumbnail(model.thumbnail)] }),
      items: model.manifests.map(manifestReference),
    };
  },
};

/** A language map of texts in no particular language (§4.3 language of property values). */
function text(value: string): JsonObject {
  return { none: [value] };
}

function pair(entry: LabelledText): JsonObject {
  return { label: text(entry.label), value: text(entry.value) };
}

function describe(description: Description): JsonObject {
  const metadata = description.metadata.filter((entry) => entry.value !== '').map(pair);
  let rights: string | undefined;
  if (description.rights !== undefined) {
    rights = presentation3Rights(description.rights.value);
    // A URI that `rights` cannot take is still shown, as a metadata pair.
    if (rights === undefined) metadata.push(pair(description.rights));
  }
  return {
    label: text(description.label),
    ...(description.summary === undefined ? {} : { summary: text(description.summary) }),
    ...(metadata.length === 0 ? {} : { metadata }),
    ...(rights === undefined ? {} : { rights }),
    ...(description.requiredStatement === undefined ? {} : { requiredStatement: pair(description.requiredStatement) }),
    ...(description.navDate === undefined ? {} : { navDate: description.navDate }),
  };
}

function thumbnail(thumb: Thumbnail): JsonObject {
  return {
    id: thumb.id,
    type: 'Image',
    ...(thumb.format === undefined ? {} : { format: thumb.format }),
    ...(thumb.width === undefined ? {} : { width: thumb.width }),
    ...(thumb.height === undefined ? {} : { height: thumb.height }),
  };
}

function canvas(model: CanvasModel): JsonObject {
  const { image } = model;
  const page = `${model.id}/page`;
  return {
    id: model.id,
    type: 'Canvas',
    label: text(model.label),
    width: image.width,
    height: image.height,
    thumbnail: [thumbnail(chooseThumbnail(image))],
    items: [
      {
        id: page,
        type: 'AnnotationPage',
        items: [
          {
            id: `${page}/painting`,
            type: 'Annotation',
            motivation: 'painting',
            target: model.id,
            body: {
              id: `${image.serviceId}/${fullImagePath(image.imageApiVersion)}`,
              type: 'Image',
              format: image.format,
              width: image.full.width,
              height: image.full.height,
              service: [embeddedImageService(image, 3)],
            },
          },
        ],
      },
    ],
  };
}

function manifestReference(reference: ManifestReference): JsonObject {
  return {
    id: reference.id,
    type: 'Manifest',
    label: text(reference.label),
    ...(reference.thumbnail === undefined ? {} : { thumbnail: [thumbnail(reference.thumbnail)] }),
  };
}
