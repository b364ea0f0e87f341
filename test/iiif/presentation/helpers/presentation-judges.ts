import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IIIF } from '@allmaps/iiif-parser';
import { Ajv, type ValidateFunction } from 'ajv';
import * as manifesto from 'manifesto.js';

/** The repository's root (this file is `test/iiif/presentation/helpers/…`). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The official Presentation 3 JSON schema (draft-07); source and licence in test/fixtures/README.md. */
export const SCHEMA_PATH = resolve(repoRoot, 'test/fixtures/presentation-3.schema.json');

let validator: ValidateFunction | undefined;

/**
 * Validate a document against the Presentation 3 schema. Returns the errors (empty when valid).
 * The schema uses the `uri` and `date-time` formats; ajv-formats is not a dependency, so they are
 * registered here after RFC 3986 (an absolute URI: scheme and rest, no spaces) and RFC 3339.
 */
export function schemaErrors(document: unknown): string[] {
  if (validator === undefined) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('uri', {
      type: 'string',
      validate: (value: string) => /^[a-z][a-z0-9+.-]*:[^\s]*$/i.test(value) && URL.canParse(value),
    });
    ajv.addFormat('date-time', {
      type: 'string',
      validate: (value: string) =>
        /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i.test(
          value,
        ),
    });
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  }
  if (validator(document)) return [];
  return (validator.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`);
}

/** What a real client (manifesto.js) sees in a manifest. */
export interface ManifestoView {
  label: string | null;
  thumbnail: string | undefined;
  canvases: {
    id: string;
    label: string | null;
    width: number;
    height: number;
    thumbnail: string | undefined;
    imageId: string | undefined;
    serviceId: string | undefined;
    serviceProfile: string | undefined;
  }[];
}

export function manifestoView(document: unknown): ManifestoView {
  const resource = manifesto.parseManifest(document) as manifesto.Manifest | null;
  if (resource === null) throw new Error('manifesto.js could not parse the manifest');
  const manifest = resource;
  const canvases = manifest
    .getSequences()[0]
    ?.getCanvases()
    .map((canvas) => {
      const v3 = canvas.getContent()[0]?.getBody()[0];
      const v2 = canvas.getImages()[0]?.getResource();
      const body = v3 ?? v2;
      const service = body?.getServices()[0];
      return {
        id: canvas.id,
        label: canvas.getLabel().getValue(),
        width: canvas.getWidth(),
        height: canvas.getHeight(),
        thumbnail: thumbnailId(canvas.getThumbnail()),
        imageId: body?.id,
        serviceId: service?.id,
        serviceProfile: service?.getProfile(),
      };
    });
  return {
    label: manifest.getLabel().getValue(),
    thumbnail: thumbnailId(manifest.getThumbnail()),
    canvases: canvases ?? [],
  };
}

function thumbnailId(thumbnail: manifesto.Thumbnail | null | undefined): string | undefined {
  return thumbnail?.id ?? undefined;
}

/** What manifesto.js sees in a collection: the manifests it lists. */
export function manifestoCollectionView(document: unknown): { label: string | null; manifests: string[] } {
  const collection = manifesto.parseManifest(document) as manifesto.Collection | null;
  if (collection === null) throw new Error('manifesto.js could not parse the collection');
  return {
    label: collection.getLabel().getValue(),
    manifests: collection.getManifests().map((manifest) => manifest.id),
  };
}

/** What @allmaps/iiif-parser (a strict, zod-based parser) sees in a manifest. */
export function allmapsManifestView(document: unknown) {
  const parsed = IIIF.parse(document);
  if (parsed.type !== 'manifest') throw new Error(`@allmaps/iiif-parser parsed a ${parsed.type}, not a manifest`);
  return {
    majorVersion: parsed.majorVersion,
    label: parsed.label,
    thumbnail: parsed.thumbnail,
    canvases: parsed.canvases.map((canvas) => ({
      uri: canvas.uri,
      width: canvas.width,
      height: canvas.height,
      imageUri: canvas.image.uri,
      imageMajorVersion: canvas.image.majorVersion,
      imageWidth: canvas.image.width,
      imageHeight: canvas.image.height,
      thumbnail: canvas.thumbnail,
    })),
  };
}

export function allmapsCollectionView(document: unknown) {
  const parsed = IIIF.parse(document);
  if (parsed.type !== 'collection') throw new Error(`@allmaps/iiif-parser parsed a ${parsed.type}, not a collection`);
  return {
    majorVersion: parsed.majorVersion,
    label: parsed.label,
    items: parsed.items.map((item) => ({
      uri: item.uri,
      type: item.type,
      label: item.label,
      thumbnail: item.thumbnail,
    })),
  };
}
