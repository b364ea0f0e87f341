import { computePyramid, type Pyramid } from '../iiif/image-api/compute-pyramid.js';
import { imageApiFor } from '../iiif/image-api/image-api-for.js';
import { contentSize, listTileSet } from '../iiif/image-api/list-tile-set.js';
import type { Size } from '../run/image-result.js';
import type { PlannedImage, SourceFormat } from '../run/run-records.js';
import type { Settings } from '../task/settings.js';
import type { CostRates } from './cost-rates.js';
import { estimateSeconds, PIXELS_PER_BYTE } from './estimate-seconds.js';

/**
 * Published JPEG bytes per full-resolution pixel at quality 85 (4:2:0, no optimised tables) of a
 * source that is not a JPEG (TIFF, PNG: no hint of how detailed it is): text scans measure
 * 0.1–0.2, photographs 0.15–0.25. A JPEG source's own bytes per pixel is used instead: re-encoded
 * at 85 it comes out within a few per cent of its size (the example collection: 0.07–0.22, each
 * within 4 %). Clamped to `JPEG_BYTES_PER_PIXEL_RANGE`.
 */
export const JPEG_BYTES_PER_PIXEL_Q85 = 0.15;
export const JPEG_BYTES_PER_PIXEL_RANGE = [0.04, 0.4] as const;
/** Fixed bytes of each JPEG file (markers, quantisation and Huffman tables). */
export const JPEG_FILE_OVERHEAD = 620;
/**
 * Each level down adds this share to the bytes per pixel: a halved image is denser in detail
 * (measured: 1.2–1.5 × at level 1, about 2 × at level 2 on the example collection).
 */
export const JPEG_LEVEL_DENSITY = 0.35;
/** Manifest JSON bytes per canvas (Presentation 3, pretty-printed) and per manifest besides. */
export const MANIFEST_BYTES_PER_CANVAS = 2400;
export const MANIFEST_BYTES_FIXED = 1000;
/** Collection JSON bytes per listed manifest (with its thumbnail). */
export const COLLECTION_BYTES_PER_ITEM = 700;
/** A viewer's look at one image: the level that fits this screen's longer side, and info.json. */
export const VIEW_SIDE = 2048;
/** Seconds the submitter Lambda spends planning a run, for the Lambda line of the cost. */
const SUBMITTER_SECONDS = 10;

export interface EstimateOptions {
  readonly settings: Pick<Settings, 'tileSize' | 'fullMaxSize' | 'imageApiVersion' | 'jpegQuality'>;
  /** Every object listed under ACCESS_DIR (for LIST requests). */
  readonly listedObjects: number;
  readonly items: number;
  readonly shards: number;
  /** Length of a typical image service id (`DEST_URL/…/item/image`), for info.json bytes. */
  readonly serviceIdLength: number;
  /** Image views to price CloudFront egress for. */
  readonly views: number;
  /** vCPUs and memory (GiB) of one shard worker job. */
  readonly workerVcpus: number;
  readonly workerMemoryGib: number;
  /** Lambda memory (GiB) of the submitter. */
  readonly submitterMemoryGib: number;
  readonly rates: CostRates;
}

/** What a run will publish, request and cost, before it runs. */
export interface RunEstimate {
  readonly items: number;
  readonly images: number;
  readonly megapixels: number;
  /** Images whose pixel size was read from their header; the others are estimated from bytes. */
  readonly sizesRead: number;
  readonly shards: number;
  readonly published: {
    readonly objects: number;
    readonly bytes: number;
    /** Tiles by level (0 = full resolution), under every name viewers request. */
    readonly tilesPerLevel: readonly number[];
    readonly tiles: { readonly objects: number; readonly bytes: number };
    readonly sizes: { readonly objects: number; readonly bytes: number };
    readonly full: { readonly objects: number; readonly bytes: number };
    readonly json: { readonly objects: number; readonly bytes: number };
  };
  readonly requests: { readonly put: number; readonly get: number; readonly list: number };
  readonly compute: { readonly workerSeconds: number; readonly vcpuHours: number; readonly gbHours: number };
  readonly cost: {
    readonly s3Put: number;
    readonly s3Get: number;
    /** Per month of keeping what is published. */
    readonly s3StoragePerMonth: number;
    readonly fargateSpot: number;
    readonly lambda: number;
    readonly views: number;
    readonly egressGb: number;
    readonly egress: number;
    /** The run (requests, compute, Lambda) and its first month of storage, and the egress of `views`. */
    readonly total: number;
  };
}

/**
 * What the estimate knows of one image: its source file's format and bytes, its page of a
 * multi-page file, and its displayed pixel size when its file's header was read (see
 * `readImageSizes`; every page of the file then carries it).
 */
export interface EstimatedImage extends Pick<PlannedImage, 'format' | 'bytes' | 'page' | 'pages'> {
  readonly size?: Size;
}

/**
 * Files of one kind in a service: how many, and their pixels (× names), each level's weighted by
 * how much denser in detail it is (`JPEG_LEVEL_DENSITY`): their bytes are these pixels × bytes per
 * pixel, plus each file's overhead.
 */
interface FileGroup {
  objects: number;
  weightedPixels: number;
}

/** The files of a service of one pixel size: computed once per size. */
interface ServiceFigures {
  readonly pixels: number;
  readonly tilesPerLevel: number[];
  readonly tiles: FileGroup;
  readonly sizes: FileGroup;
  readonly full: FileGroup;
  /** Tiles a viewer loads to show the image on a screen (see `VIEW_SIDE`). */
  readonly view: FileGroup;
  readonly infoBytes: number;
}

/**
 * Estimate a planned run: for each image its pyramid (from the header's size, or from its bytes
 * and the pixels per byte measured on the headers read, by format), the exact list of files the
 * tiler writes (`listTileSet`), their bytes from a JPEG model, info.json exactly; manifests and the
 * collection; requests by kind; worker time from the planner's own cost model (`estimateSeconds`);
 * and the cost at `rates`. Pure and fast: services of the same size are computed once, and the
 * images are only iterated (twice: the sizes read calibrate the others, then every image is counted).
 *
 * @param images every planned image, in plan order (pages of a file together, first page first)
 */
export function estimateRun(images: Iterable<EstimatedImage>, options: EstimateOptions): RunEstimate {
  const { settings } = options;
  const api = imageApiFor(settings.imageApiVersion);
  const calibration = calibrate(images);
  const cache = new Map<number, ServiceFigures>();
  const placeholderId = 'x'.repeat(Math.max(1, options.serviceIdLength));
  const figuresOf = (size: Size): ServiceFigures => {
    const key = size.width * 2 ** 26 + size.height;
    let figures = cache.get(key);
    if (figures === undefined) {
      figures = serviceFigures(
        computePyramid({ ...size, tileSize: settings.tileSize, fullMaxSize: settings.fullMaxSize }),
        api,
        placeholderId,
      );
      cache.set(key, figures);
    }
    return figures;
  };

  let count = 0;
  let files = 0;
  let tiffFiles = 0;
  let pixels = 0;
  let sizesRead = 0;
  let workerSeconds = 0;
  let viewBytes = 0;
  const tilesPerLevel: number[] = [];
  const tiles = { objects: 0, bytes: 0 };
  const sizeFiles = { objects: 0, bytes: 0 };
  const full = { objects: 0, bytes: 0 };
  let infoBytes = 0;
  for (const image of images) {
    count++;
    if ((image.page ?? 1) === 1) {
      files++;
      if (image.format === 'tiff') tiffFiles++;
    }
    const read = image.size;
    if (read !== undefined) sizesRead++;
    const size = read ?? estimatedSize(image, calibration);
    const figures = figuresOf(size);
    const perPixel = bytesPerPixel(image, size, settings.jpegQuality);
    const bytesOf = (group: FileGroup): number => groupBytes(group, perPixel);
    pixels += figures.pixels;
    workerSeconds += estimateSeconds(image);
    figures.tilesPerLevel.forEach((levelTiles, level) => {
      tilesPerLevel[level] = (tilesPerLevel[level] ?? 0) + levelTiles;
    });
    tiles.objects += figures.tiles.objects;
    tiles.bytes += bytesOf(figures.tiles);
    sizeFiles.objects += figures.sizes.objects;
    sizeFiles.bytes += bytesOf(figures.sizes);
    full.objects += figures.full.objects;
    full.bytes += bytesOf(figures.full);
    infoBytes += figures.infoBytes;
    viewBytes += bytesOf(figures.view) + figures.infoBytes;
  }
  const json = {
    // info.json per image, a manifest per item, the collection.
    objects: count + options.items + 1,
    bytes:
      infoBytes +
      options.items * (MANIFEST_BYTES_FIXED + COLLECTION_BYTES_PER_ITEM) +
      count * MANIFEST_BYTES_PER_CANVAS +
      MANIFEST_BYTES_FIXED,
  };
  const objects = tiles.objects + sizeFiles.objects + full.objects + json.objects;
  const bytes = tiles.bytes + sizeFiles.bytes + full.bytes + json.bytes;

  const { shards, items } = options;
  // Run records: run.json, items.json, a description and a result per shard, two attempt writes,
  // the report; a resume marker per image; image-name records per item.
  const recordPuts = 4 + 2 * shards + items;
  const put = objects + count + recordPuts;
  // Planning: header reads, page counts of TIFFs (about two ranged reads each), CSV and name
  // records. Each image: HEAD and marker read before, GET of the source, HEAD of its info.json.
  // Shards read their description and attempt; the assembler its records, the CSV, and the item
  // manifests already published.
  const get = sizesRead + 2 * tiffFiles + 2 + items + 3 * files + count + 2 * shards + shards + 4 + items;
  const list = Math.ceil(Math.max(1, options.listedObjects) / 1000) + 1 + Math.ceil(items / 1000);

  const vcpuHours = (workerSeconds * options.workerVcpus) / 3600;
  const gbHours = (workerSeconds * options.workerMemoryGib) / 3600;
  const { rates } = options;
  const s3Put = (put / 1000) * rates.s3PutPer1000;
  const s3Get = (get / 1000) * rates.s3GetPer1000;
  const s3StoragePerMonth = (bytes / 1e9) * rates.s3StoragePerGbMonth;
  const fargateSpot = vcpuHours * rates.fargateSpotVcpuHour + gbHours * rates.fargateSpotGbHour;
  const lambda =
    rates.lambdaPerMillionRequests / 1e6 + SUBMITTER_SECONDS * options.submitterMemoryGib * rates.lambdaGbSecond;
  const egressGb = count === 0 ? 0 : (options.views * (viewBytes / count)) / 1e9;
  const egress = egressGb * rates.cloudFrontEgressPerGb;
  return {
    items,
    images: count,
    megapixels: pixels / 1e6,
    sizesRead,
    shards,
    published: { objects, bytes, tilesPerLevel, tiles, sizes: sizeFiles, full, json },
    requests: { put, get, list },
    compute: { workerSeconds, vcpuHours, gbHours },
    cost: {
      s3Put,
      s3Get,
      s3StoragePerMonth,
      fargateSpot,
      lambda,
      views: options.views,
      egressGb,
      egress,
      total: s3Put + s3Get + s3StoragePerMonth + fargateSpot + lambda + egress,
    },
  };
}

/** Pixels per byte and aspect ratio (width / height) measured on the headers read, by format. */
interface Calibration {
  readonly pixelsPerByte: Partial<Record<SourceFormat, number>>;
  readonly aspect: Partial<Record<SourceFormat, number>>;
}

function calibrate(images: Iterable<EstimatedImage>): Calibration {
  const sums = new Map<SourceFormat, { pixels: number; bytes: number; aspect: number; count: number }>();
  for (const image of images) {
    const { size } = image;
    // Once per file: its first page.
    if (size === undefined || (image.page ?? 1) !== 1 || image.bytes === 0) continue;
    const sum = sums.get(image.format) ?? { pixels: 0, bytes: 0, aspect: 0, count: 0 };
    sum.pixels += size.width * size.height * (image.pages ?? 1);
    sum.bytes += image.bytes;
    sum.aspect += size.width / size.height;
    sum.count += 1;
    sums.set(image.format, sum);
  }
  const pixelsPerByte: Partial<Record<SourceFormat, number>> = {};
  const aspect: Partial<Record<SourceFormat, number>> = {};
  for (const [format, sum] of sums) {
    pixelsPerByte[format] = sum.pixels / sum.bytes;
    aspect[format] = sum.aspect / sum.count;
  }
  return { pixelsPerByte, aspect };
}

/**
 * A size for an image whose header was not read: its bytes × pixels per byte, quantised to 64 px so
 * that a listing of 100,000 files of assorted sizes needs a few hundred tile sets, not 100,000.
 */
function estimatedSize(image: EstimatedImage, calibration: Calibration): Size {
  const perByte = calibration.pixelsPerByte[image.format] ?? PIXELS_PER_BYTE[image.format];
  const aspect = calibration.aspect[image.format] ?? 0.75;
  const pixels = Math.max(1, (image.bytes * perByte) / (image.pages ?? 1));
  const quantise = (value: number): number => Math.max(64, Math.round(value / 64) * 64);
  return { width: quantise(Math.sqrt(pixels * aspect)), height: quantise(Math.sqrt(pixels / aspect)) };
}

function serviceFigures(pyramid: Pyramid, api: ReturnType<typeof imageApiFor>, id: string): ServiceFigures {
  const fullPaths = new Set(api.fullPaths());
  const group = (): FileGroup => ({ objects: 0, weightedPixels: 0 });
  const tilesPerLevel: number[] = [];
  const tiles = group();
  const sizes = group();
  const full = group();
  const view = group();
  const viewLevel =
    pyramid.levels.find((level) => Math.max(level.width, level.height) <= VIEW_SIDE) ?? pyramid.levels.at(-1);
  const add = (target: FileGroup, level: number, pixels: number): void => {
    target.objects += 1;
    target.weightedPixels += pixels * (1 + JPEG_LEVEL_DENSITY * level);
  };
  for (const entry of listTileSet(pyramid, api)) {
    const size = contentSize(pyramid, entry.content);
    const { level } = entry.content;
    const pixels = size.width * size.height;
    if (entry.content.kind === 'tile' && level === viewLevel?.index) add(view, level, pixels);
    for (const path of entry.paths) {
      const target = fullPaths.has(path) ? full : path.startsWith('full/') ? sizes : tiles;
      add(target, level, pixels);
      if (target === tiles) tilesPerLevel[level] = (tilesPerLevel[level] ?? 0) + 1;
    }
  }
  const infoBytes = Buffer.byteLength(`${JSON.stringify(api.infoJson(pyramid, id), null, 2)}\n`);
  return { pixels: pyramid.width * pyramid.height, tilesPerLevel, tiles, sizes, full, view, infoBytes };
}

/** Bytes of a group of JPEG files at `perPixel` bytes per full-resolution pixel. */
function groupBytes(group: FileGroup, perPixel: number): number {
  return Math.round(group.objects * JPEG_FILE_OVERHEAD + group.weightedPixels * perPixel);
}

/** Published bytes per full-resolution pixel of one image (see `JPEG_BYTES_PER_PIXEL_Q85`). */
function bytesPerPixel(image: EstimatedImage, size: Size, quality: number): number {
  const [low, high] = JPEG_BYTES_PER_PIXEL_RANGE;
  const source =
    image.format === 'jpeg' ? image.bytes / (image.pages ?? 1) / (size.width * size.height) : JPEG_BYTES_PER_PIXEL_Q85;
  return Math.min(high, Math.max(low, source)) * jpegQualityFactor(quality);
}

/**
 * JPEG size relative to quality 85: roughly doubling from 85 to 95 and halving from 85 to 60
 * (libjpeg's quality scaling of its quantisation tables).
 */
function jpegQualityFactor(quality: number): number {
  if (quality >= 85) return 1 + ((quality - 85) / 10) * 1.1;
  return Math.max(0.25, 1 - ((85 - quality) / 25) * 0.5);
}
