import type { JsonObject } from './image-service.js';
import { presentation2 } from './presentation-2.js';
import { presentation3 } from './presentation-3.js';
import type { CollectionModel, ManifestModel } from './presentation-model.js';

/**
 * One IIIF Presentation API version: renders the version-independent models as that version's
 * JSON-LD. Choose one with `presentationStrategy(settings.presentationVersion)`.
 */
export interface PresentationStrategy {
  readonly version: 2 | 3;
  /** `Content-Type` of published manifests and collections (JSON-LD with the version's context as profile). */
  readonly mediaType: string;
  manifest(model: ManifestModel): JsonObject;
  collection(model: CollectionModel): JsonObject;
}

/**
 * `Cache-Control` of published manifests and collections: short, because reassembling (after a CSV
 * fix) and later runs (new items in the collection) rewrite them in place. Tiles are immutable.
 */
export const PRESENTATION_CACHE_CONTROL = 'public, max-age=300';

export function presentationStrategy(version: 2 | 3): PresentationStrategy {
  return version === 3 ? presentation3 : presentation2;
}
