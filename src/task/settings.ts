import * as z from 'zod';
import { asBoolean, asNumber, flag, fromText, integer, oneOf } from '../validation/rules.js';

/**
 * Every optional setting of a task file (an extra `environment` entry): its environment name and
 * its rule with the default. Add a setting here and it is parsed, typed, defaulted and documented.
 */
export const SETTINGS = {
  /** TILE_SIZE: tile width and height in pixels. Default 512, 64–4096. */
  tileSize: { name: 'TILE_SIZE', rule: fromText(integer(64, 4096), asNumber).default(512) },
  /** JPEG_QUALITY: quality of every published JPEG. Default 85, 1–100. */
  jpegQuality: { name: 'JPEG_QUALITY', rule: fromText(integer(1, 100), asNumber).default(85) },
  /** IMAGE_API_VERSION: IIIF Image API of the tiles and info.json, 3 (default) or 2 (2.1). */
  imageApiVersion: { name: 'IMAGE_API_VERSION', rule: fromText(oneOf([3, 2]), asNumber).default(3) },
  /** PRESENTATION_VERSION: IIIF Presentation API of manifests and collection, 3 (default) or 2 (2.1). */
  presentationVersion: { name: 'PRESENTATION_VERSION', rule: fromText(oneOf([3, 2]), asNumber).default(3) },
  /**
   * FULL_MAX_SIZE: longest side in pixels of `full/max` (and the largest `sizes` entry). Larger images
   * get `maxWidth`/`maxHeight` in info.json. Default 10000, 256–65000.
   */
  fullMaxSize: { name: 'FULL_MAX_SIZE', rule: fromText(integer(256, 65000), asNumber).default(10000) },
  /**
   * PDF_DPI: resolution PDF pages are rendered at, in dots per inch. Default 300, 72–1200. A page
   * whose longest side would exceed FULL_MAX_SIZE at this resolution is rendered smaller (a warning).
   */
  pdfDpi: { name: 'PDF_DPI', rule: fromText(integer(72, 1200), asNumber).default(300) },
  /** SHARD_TARGET_MINUTES: estimated minutes of tiling per shard. Default 10, 1–600. */
  shardTargetMinutes: { name: 'SHARD_TARGET_MINUTES', rule: fromText(integer(1, 600), asNumber).default(10) },
  /** MAX_SHARDS: upper bound on shards (array children) for one run. Default 1000, 1–10000. */
  maxShards: { name: 'MAX_SHARDS', rule: fromText(integer(1, 10000), asNumber).default(1000) },
  /** SHARD_COUNT: exact shard count, overriding the estimate. Default 0 (estimate), 0–10000. */
  shardCount: { name: 'SHARD_COUNT', rule: fromText(integer(0, 10000), asNumber).default(0) },
  /** FORCE_RETILE: retile images even when already published from the same source. Default false. */
  forceRetile: { name: 'FORCE_RETILE', rule: fromText(flag, asBoolean).default(false) },
} as const;

type SettingKey = keyof typeof SETTINGS;

/** The optional settings of a task, defaults applied (see `SETTINGS`). */
export type Settings = { readonly [K in SettingKey]: z.output<(typeof SETTINGS)[K]['rule']> };

/** The settings' rules by environment name, e.g. `{ TILE_SIZE: ..., JPEG_QUALITY: ... }`. */
export const SETTING_RULES = Object.fromEntries(Object.values(SETTINGS).map((setting) => [setting.name, setting.rule]));

/** Settings from environment values by name (already parsed by `SETTING_RULES`), keyed as in `Settings`. */
export function settingsFrom(values: Readonly<Record<string, unknown>>): Settings {
  return Object.fromEntries(
    (Object.keys(SETTINGS) as SettingKey[]).map((key) => [key, values[SETTINGS[key].name]]),
  ) as unknown as Settings;
}

export const DEFAULT_SETTINGS: Settings = settingsFrom(z.object(SETTING_RULES).parse({}));
