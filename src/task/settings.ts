import { TaskFileError } from '../errors.js';

/** Optional settings, each an extra `environment` entry of the task file. */
export interface Settings {
  /** TILE_SIZE: tile width and height in pixels. Default 512, 64–4096. */
  readonly tileSize: number;
  /** JPEG_QUALITY: quality of every published JPEG. Default 85, 1–100. */
  readonly jpegQuality: number;
  /** IMAGE_API_VERSION: IIIF Image API of the tiles and info.json, 3 (default) or 2 (2.1). */
  readonly imageApiVersion: 2 | 3;
  /** PRESENTATION_VERSION: IIIF Presentation API of manifests and collection, 3 (default) or 2 (2.1). */
  readonly presentationVersion: 2 | 3;
  /**
   * FULL_MAX_SIZE: longest side in pixels of `full/max` (and the largest `sizes` entry). Larger images
   * get `maxWidth`/`maxHeight` in info.json. Default 10000, 256–65000.
   */
  readonly fullMaxSize: number;
  /**
   * PDF_DPI: resolution PDF pages are rendered at, in dots per inch. Default 300, 72–1200. A page's
   * longest side never exceeds 65000 pixels (and is rendered smaller to stay within it).
   */
  readonly pdfDpi: number;
  /** SHARD_TARGET_MINUTES: estimated minutes of tiling per shard. Default 10, 1–600. */
  readonly shardTargetMinutes: number;
  /** MAX_SHARDS: upper bound on shards (array children) for one run. Default 1000, 1–10000. */
  readonly maxShards: number;
  /** SHARD_COUNT: exact shard count, overriding the estimate. Default 0 (estimate), 0–10000. */
  readonly shardCount: number;
  /** FORCE_RETILE: retile images even when already published from the same source. Default false. */
  readonly forceRetile: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  tileSize: 512,
  jpegQuality: 85,
  imageApiVersion: 3,
  presentationVersion: 3,
  fullMaxSize: 10000,
  pdfDpi: 300,
  shardTargetMinutes: 10,
  maxShards: 1000,
  shardCount: 0,
  forceRetile: false,
};

interface SettingSpec {
  readonly name: string;
  readonly key: keyof Settings;
  readonly description: string;
  parse(value: string, field: string, source: string | undefined): Settings[keyof Settings];
}

function integer(min: number, max: number) {
  return (value: string, field: string, source: string | undefined): number => {
    const trimmed = value.trim();
    const number = /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new TaskFileError(`Expected integer between ${min} and ${max} for ${field} but received "${value}"`, {
        source,
        field,
      });
    }
    return number;
  };
}

function oneOf<T extends number>(values: readonly T[]) {
  return (value: string, field: string, source: string | undefined): T => {
    const found = values.find((candidate) => String(candidate) === value.trim());
    if (found === undefined) {
      throw new TaskFileError(`Expected one of ${values.join(', ')} for ${field} but received "${value}"`, {
        source,
        field,
      });
    }
    return found;
  };
}

function boolean(value: string, field: string, source: string | undefined): boolean {
  const normalised = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalised)) return true;
  if (['false', '0', 'no'].includes(normalised)) return false;
  throw new TaskFileError(`Expected true or false for ${field} but received "${value}"`, { source, field });
}

/** Every optional setting, in documentation order. */
export const SETTING_SPECS: readonly SettingSpec[] = [
  { name: 'TILE_SIZE', key: 'tileSize', description: 'tile width and height in pixels', parse: integer(64, 4096) },
  { name: 'JPEG_QUALITY', key: 'jpegQuality', description: 'JPEG quality', parse: integer(1, 100) },
  { name: 'IMAGE_API_VERSION', key: 'imageApiVersion', description: 'IIIF Image API version', parse: oneOf([3, 2]) },
  {
    name: 'PRESENTATION_VERSION',
    key: 'presentationVersion',
    description: 'IIIF Presentation API version',
    parse: oneOf([3, 2]),
  },
  {
    name: 'FULL_MAX_SIZE',
    key: 'fullMaxSize',
    description: 'longest side of full/max in pixels',
    parse: integer(256, 65000),
  },
  { name: 'PDF_DPI', key: 'pdfDpi', description: 'resolution of rendered PDF pages', parse: integer(72, 1200) },
  {
    name: 'SHARD_TARGET_MINUTES',
    key: 'shardTargetMinutes',
    description: 'estimated minutes of work per shard',
    parse: integer(1, 600),
  },
  { name: 'MAX_SHARDS', key: 'maxShards', description: 'most shards in one run', parse: integer(1, 10000) },
  { name: 'SHARD_COUNT', key: 'shardCount', description: 'exact shard count (0: estimate)', parse: integer(0, 10000) },
  { name: 'FORCE_RETILE', key: 'forceRetile', description: 'retile already published images', parse: boolean },
];

/** Parse optional setting values (already checked to be known names) over the defaults. */
export function parseSettings(
  values: ReadonlyMap<string, { value: string; field: string }>,
  source?: string,
): Settings {
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const spec of SETTING_SPECS) {
    const entry = values.get(spec.name);
    if (entry !== undefined) settings[spec.key] = spec.parse(entry.value, entry.field, source);
  }
  return settings as unknown as Settings;
}
