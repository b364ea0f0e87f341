import type { PublishedImage } from '../../run/image-result.js';

/**
 * What a manifest or collection says, independent of the Presentation API version. The builders in
 * the manifest assembler fill these in; a `PresentationStrategy` renders them as 3.0 or 2.1 JSON-LD.
 * Texts are plain strings in no particular language (rendered with the `none` language in 3.0).
 */

/** A metadata pair, `requiredStatement`, or the label of a rights URI. */
export interface LabelledText {
  readonly label: string;
  readonly value: string;
}

/**
 * Descriptive properties shared by manifests and collections
 * (https://iiif.io/api/presentation/3.0/#31-descriptive-properties).
 */
export interface Description {
  readonly label: string;
  /** 3.0 `summary`, 2.1 `description`. */
  readonly summary?: string;
  /** Shown in order; pairs with an empty value are not included. */
  readonly metadata: readonly LabelledText[];
  /**
   * A licence or rights statement URI with the label of where it came from. 3.0 `rights` takes only
   * Creative Commons and RightsStatements.org URIs; others are shown as a metadata pair there.
   * 2.1 `license` takes any URI.
   */
  readonly rights?: LabelledText;
  /** 3.0 `requiredStatement`, 2.1 `attribution`. */
  readonly requiredStatement?: LabelledText;
  /** `YYYY-MM-DDThh:mm:ssZ` */
  readonly navDate?: string;
}

/** A thumbnail: a published image file (ours always have their size; one read back may not). */
export interface Thumbnail {
  readonly id: string;
  readonly width?: number;
  readonly height?: number;
  readonly format?: string;
}

/** One page: a Canvas painted with one level-0 image service. */
export interface CanvasModel {
  /** URI of the Canvas (not dereferenced). */
  readonly id: string;
  readonly label: string;
  readonly image: PublishedImage;
}

export interface ManifestModel extends Description {
  /** The manifest's URL (`…/{item}/manifest.json`). */
  readonly id: string;
  /** The collection the manifest belongs to (3.0 `partOf`, 2.1 `within`). */
  readonly partOf?: string;
  /** Pages in display order; at least one. */
  readonly canvases: readonly CanvasModel[];
}

/** A manifest as a collection lists it. */
export interface ManifestReference {
  readonly id: string;
  readonly label: string;
  readonly thumbnail?: Thumbnail;
}

export interface CollectionModel extends Description {
  /** The collection's URL (`…/collection.json`). */
  readonly id: string;
  readonly thumbnail?: Thumbnail;
  /** Manifests in display order. */
  readonly manifests: readonly ManifestReference[];
}
