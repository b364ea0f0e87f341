import { canvasId, collectionManifestKey, manifestKey } from '../iiif/presentation/presentation-keys.js';
import type {
  CollectionModel,
  Description,
  ManifestModel,
  ManifestReference,
} from '../iiif/presentation/presentation-model.js';
import { chooseThumbnail } from '../iiif/presentation/thumbnail.js';
import { publicUrl, type Task } from '../task/task.js';
import { fileName, type PublishedPage } from './collect-outcomes.js';
import type { MetadataRow } from './metadata-table.js';

/**
 * The descriptive part of a manifest or collection from its CSV row: `title` → label (else the
 * identifier), `description` → summary, the other columns → metadata, and rights, requiredStatement
 * and navDate as the row gives them.
 */
export function describeRow(row: MetadataRow | undefined, identifier: string): Description {
  if (row === undefined) return { label: identifier, metadata: [] };
  return {
    label: row.title ?? identifier,
    ...(row.description === undefined ? {} : { summary: row.description }),
    metadata: row.metadata,
    ...(row.rights === undefined ? {} : { rights: row.rights }),
    ...(row.requiredStatement === undefined ? {} : { requiredStatement: row.requiredStatement }),
    ...(row.navDate === undefined ? {} : { navDate: row.navDate }),
  };
}

/**
 * An item's manifest: one canvas per published page, in the given order, labelled with the page's
 * file name without extension, and for a page of a multi-page file its number (`letter, p. 2`).
 */
export function buildManifestModel(
  task: Task,
  item: string,
  pages: readonly PublishedPage[],
  row: MetadataRow | undefined,
): ManifestModel {
  return {
    id: publicUrl(task, manifestKey(task, item)),
    ...describeRow(row, item),
    partOf: publicUrl(task, collectionManifestKey(task)),
    canvases: pages.map((page) => ({
      id: canvasId(task, item, page.name),
      label: `${stem(fileName(page.sourceKey))}${page.page === undefined ? '' : `, p. ${page.page}`}`,
      image: page.image,
    })),
  };
}

/** How a collection lists a manifest built this run: its label and first page's thumbnail. */
export function referenceOf(model: ManifestModel): ManifestReference {
  const first = model.canvases[0];
  return {
    id: model.id,
    label: model.label,
    ...(first === undefined ? {} : { thumbnail: chooseThumbnail(first.image) }),
  };
}

/** The collection: its own CSV row (identifier = COLLECTION_IDENTIFIER) describes it. */
export function buildCollectionModel(
  task: Task,
  manifests: readonly ManifestReference[],
  row: MetadataRow | undefined,
): CollectionModel {
  const thumbnail = manifests.find((manifest) => manifest.thumbnail !== undefined)?.thumbnail;
  return {
    id: publicUrl(task, collectionManifestKey(task)),
    ...describeRow(row, task.collectionId),
    ...(thumbnail === undefined ? {} : { thumbnail }),
    manifests,
  };
}

function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
