import type { ManifestReference, Thumbnail } from './presentation-model.js';

/**
 * What a collection needs from a published manifest, read from its JSON (Presentation 3.0 or 2.1,
 * whichever version published it): its label and thumbnail. The reference's `id` is the URL the
 * manifest was found at, so a collection always links to where the file really is.
 *
 * @param document the parsed manifest
 * @param url the manifest's public URL
 * @param fallbackLabel label when the manifest has none (the item identifier)
 */
export function readManifestReference(document: unknown, url: string, fallbackLabel: string): ManifestReference {
  const record = isObject(document) ? document : {};
  const label = firstText(record.label) ?? fallbackLabel;
  const thumbnail = readThumbnail(record.thumbnail);
  return { id: url, label, ...(thumbnail === undefined ? {} : { thumbnail }) };
}

/** Whether a parsed document is a manifest of either version. */
export function isManifestDocument(document: unknown): boolean {
  if (!isObject(document)) return false;
  return document.type === 'Manifest' || document['@type'] === 'sc:Manifest';
}

/**
 * The first text of a label: a 3.0 language map (`none`, then `en`, then any language), or a 2.1
 * string, `{"@value"}` object or array of those.
 */
function firstText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (Array.isArray(value)) {
    for (const entry of value) {
      const found = firstText(entry);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isObject(value)) return undefined;
  if ('@value' in value) return firstText(value['@value']);
  const languages = ['none', 'en', ...Object.keys(value)];
  for (const language of languages) {
    const found = firstText(value[language]);
    if (found !== undefined) return found;
  }
  return undefined;
}

function readThumbnail(value: unknown): Thumbnail | undefined {
  const entry = Array.isArray(value) ? value[0] : value;
  if (typeof entry === 'string') return entry === '' ? undefined : { id: entry };
  if (!isObject(entry)) return undefined;
  const id = entry.id ?? entry['@id'];
  if (typeof id !== 'string' || id === '') return undefined;
  return {
    id,
    ...(isDimension(entry.width) ? { width: entry.width } : {}),
    ...(isDimension(entry.height) ? { height: entry.height } : {}),
    ...(typeof entry.format === 'string' ? { format: entry.format } : {}),
  };
}

function isDimension(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
