import { type FileHandle, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JpegOptions } from 'sharp';
import type { Pyramid, PyramidLevel } from '../iiif/image-api/compute-pyramid.js';
import type { FileContent } from '../iiif/image-api/list-tile-set.js';
import { tileRegion } from '../iiif/image-api/tile-region.js';
import { forEachLimited } from '../util/for-each-limited.js';
import { type BandedSource, VIPS_HEADER_BYTES } from './banded-source.js';
import { canJoinJpegBands, joinJpegBands } from './join-jpeg-bands.js';
import {
  DEFAULT_PIXEL_LIMITS,
  openPixels,
  type PixelLimits,
  type Pixels,
  releasePixels,
  storePixels,
} from './pixels.js';

/** JPEG settings of every published file. */
export function jpegOptions(quality: number): JpegOptions {
  return { quality, chromaSubsampling: '4:2:0', optimiseCoding: false, mozjpeg: false };
}

export interface RenderOptions {
  /**
   * Decoded full-resolution pixels (see `decodeSource`), or a source read band by band; grey stays
   * grey. Left for the caller to release.
   */
  readonly base: Pixels | BandedSource;
  readonly pyramid: Pyramid;
  /**
   * Which contents to render: tiles, and whole levels (`full/max`, large `sizes`) as one JPEG each.
   * A tile that is not wanted (its request is served by a sharper level's tile) is skipped.
   */
  readonly wants: (content: FileContent) => boolean;
  /** Folder for reduced levels too large for memory. */
  readonly workDir: string;
  /** Where reduced levels are kept (default `DEFAULT_PIXEL_LIMITS`). */
  readonly limits?: PixelLimits;
  readonly quality: number;
  /** Encodes in flight at once (each on a libuv thread; libvips adds its own threads). */
  readonly concurrency: number;
  /**
   * Receives every rendered JPEG as soon as it is ready. Rendering waits for the returned promise
   * before starting more work, so a slow consumer (uploads) holds rendering back instead of letting
   * encoded tiles pile up in memory.
   */
  readonly emit: (content: FileContent, jpeg: Buffer) => Promise<void>;
}

/**
 * Render a whole pyramid from the decoded base with one read of the source: each level is reduced
 * from the one above (lanczos3, exact ceil dimensions) while that level's tiles are cut and encoded,
 * several at a time. Tiles and whole-level images of a level come from the same pixels, so `sizes`
 * files and tiles always agree. From a `BandedSource`, level 0 is rendered while the source
 * decodes, band by band, and level 1 is halved from the bands (see `renderBands`).
 */
export async function renderPyramid(options: RenderOptions): Promise<void> {
  const jpeg = jpegOptions(options.quality);
  const { base } = options;
  if (base.kind !== 'bands') {
    await renderFrom(options, base, 0, jpeg);
    return;
  }
  const first = await renderBands(options, base, jpeg);
  // Level 1's tiles (and its whole image, when joined from bands) are encoded already; the whole
  // full-resolution image (when published) may still be encoding: let it finish.
  const rest: RenderOptions = {
    ...options,
    wants: (content) =>
      !(content.level === 1 && (content.kind === 'tile' || first.level1Whole)) && options.wants(content),
  };
  try {
    if (first.reduced !== undefined) await renderFrom(rest, first.reduced, 1, jpeg);
  } finally {
    await first.finished.catch(() => undefined);
  }
  await first.finished;
}

/** Render levels `start`… from `start`'s pixels (released when done unless they are the base). */
async function renderFrom(options: RenderOptions, start: Pixels, startLevel: number, jpeg: JpegOptions): Promise<void> {
  const { pyramid } = options;
  let pixels = start;
  for (const level of pyramid.levels.slice(startLevel)) {
    const next = pyramid.levels[level.index + 1];
    // Reduce the next level while this one's tiles are encoded from the same pixels.
    const reduced: Promise<Pixels> | undefined = next === undefined ? undefined : reduceLevel(pixels, next, options);
    reduced?.catch(() => undefined);
    try {
      await renderLevel(options, pixels, level, jpeg);
    } catch (error) {
      await reduced?.then(releasePixels, () => undefined);
      throw error;
    }
    // The next level is read from these pixels: release them only once it is complete.
    const nextPixels = reduced === undefined ? undefined : await reduced;
    if (pixels !== options.base) await releasePixels(pixels);
    if (nextPixels === undefined) break;
    pixels = nextPixels;
  }
}

async function renderLevel(
  options: RenderOptions,
  pixels: Pixels,
  level: PyramidLevel,
  jpeg: JpegOptions,
): Promise<void> {
  const jobs: (() => Promise<void>)[] = [];
  // The whole level first: it is the largest single encode, so it overlaps the tiles best.
  if (options.wants({ kind: 'level', level: level.index })) {
    jobs.push(async () => {
      const data = await openPixels(pixels).jpeg(jpeg).toBuffer();
      await options.emit({ kind: 'level', level: level.index }, data);
    });
  }
  for (let row = 0; row < level.rows; row++) {
    for (let column = 0; column < level.columns; column++) {
      const content: FileContent = { kind: 'tile', level: level.index, column, row };
      if (!options.wants(content)) continue;
      jobs.push(async () => {
        const region = tileRegion(options.pyramid, content);
        const image = openPixels(pixels);
        const cut =
          level.columns === 1 && level.rows === 1
            ? image
            : image.extract({
                left: column * options.pyramid.tileSize,
                top: row * options.pyramid.tileSize,
                width: region.width,
                height: region.height,
              });
        await options.emit(content, await cut.jpeg(jpeg).toBuffer());
      });
    }
  }
  await forEachLimited(jobs, options.concurrency, (job) => job());
}

async function reduceLevel(pixels: Pixels, level: PyramidLevel, options: RenderOptions): Promise<Pixels> {
  const resized = openPixels(pixels).resize(level.width, level.height, { fit: 'fill' });
  return storePixels(
    resized,
    { width: level.width, height: level.height, channels: pixels.channels },
    {
      dir: options.workDir,
      name: `level-${level.index}`,
      tileSize: options.pyramid.tileSize,
      limits: options.limits ?? DEFAULT_PIXEL_LIMITS,
    },
  );
}

/**
 * Rows read above and below each band, so the reduced rows at a band's edges see the neighbours a
 * whole-image reduction sees (lanczos3 halving reads 6 rows each side). Even, so halves align.
 */
const BAND_MARGIN = 8;
/** Bands being encoded while the decode goes on (each holds its rows in memory). */
const BANDS_IN_FLIGHT = 2;
/** How often the renderer looks whether the decode has written the rows it waits for. */
const POLL_MS = 4;

interface BandedLevel {
  /** The first reduced level (in memory), or `undefined` when the pyramid has one level. */
  readonly reduced: Pixels | undefined;
  /** Whether level 1's whole image (when published) is emitted already, joined from its bands. */
  readonly level1Whole: boolean;
  /**
   * Settles when the whole full-resolution image (when published) is encoded and emitted, from the
   * decoded file once it is complete, and the file is removed.
   */
  readonly finished: Promise<void>;
}

/**
 * Render level 0 while the source is decoded: as soon as a band of tile rows is in the decoded
 * file, it is read into memory, its tiles are cut and encoded, and it is halved into its rows of
 * level 1 — so the (sequential) decode runs on one core while the other encodes. A row of level 1
 * tiles is encoded as soon as the bands it is halved from are done.
 */
async function renderBands(options: RenderOptions, source: BandedSource, jpeg: JpegOptions): Promise<BandedLevel> {
  const { pyramid } = options;
  const level = pyramid.levels[0];
  if (level === undefined) throw new Error('Expected a pyramid with at least one level');
  if (level.width !== source.width || level.height !== source.height) {
    throw new Error(
      `Expected a ${level.width}x${level.height} source but got ${source.width}x${source.height} for the banded render`,
    );
  }
  const next = pyramid.levels[1];
  const { width, height, channels } = source;
  const rowBytes = width * channels;
  const tile = pyramid.tileSize;
  // Bands start on even rows, so each band's half starts on a whole row of level 1.
  const bandRows = tile % 2 === 0 ? tile : 2 * tile;
  const reduced = next === undefined ? undefined : Buffer.allocUnsafe(next.width * next.height * channels);
  // Whole-level images are encoded band by band as the bands arrive and joined (see
  // `joinJpegBands`), so little is left to encode when the decode ends; otherwise level 0's is
  // encoded from the complete decoded file, level 1's from its pixels afterwards.
  const joined0 =
    options.wants({ kind: 'level', level: 0 }) && canJoinJpegBands(width, bandRows, channels) ? [] : undefined;
  const joined1 =
    next !== undefined &&
    bandRows % 2 === 0 &&
    options.wants({ kind: 'level', level: 1 }) &&
    canJoinJpegBands(next.width, bandRows / 2, channels)
      ? []
      : undefined;

  const path = join(options.workDir, 'decoded-rows.v');
  const state: { done: boolean; error?: { cause: unknown } } = { done: false };
  let whole: Promise<void> | undefined;
  const decoding = source.decode(path).then(
    () => {
      state.done = true;
      // The whole image is encoded from the complete file while the last bands are encoded.
      if (joined0 === undefined && options.wants({ kind: 'level', level: 0 })) {
        whole = (async () => {
          const data = await openPixels({ kind: 'file', path, width, height, channels }).jpeg(jpeg).toBuffer();
          await options.emit({ kind: 'level', level: 0 }, data);
        })();
        whole.catch(() => undefined);
      }
    },
    (error: unknown) => {
      state.error = { cause: error };
    },
  );
  const pending = new Set<Promise<void>>();
  const bandsDone: boolean[] = [];
  const level1Rows: Promise<void>[] = [];
  const startLevel1Rows = (): void => {
    if (next === undefined || reduced === undefined) return;
    while (level1Rows.length < next.rows) {
      const row = level1Rows.length;
      // Level-0 rows this row of level-1 tiles is halved from, and the bands holding them.
      const first = Math.floor((2 * row * tile) / bandRows);
      const last = Math.floor((Math.min(2 * (row + 1) * tile, height) - 1) / bandRows);
      for (let band = first; band <= last; band++) if (bandsDone[band] !== true) return;
      const level1: Pixels = { kind: 'raw', data: reduced, width: next.width, height: next.height, channels };
      const job = renderTileRow(options, jpeg, level1, next, row);
      job.catch(() => undefined);
      level1Rows.push(job);
    }
  };
  // Band buffers are reused: a fresh large allocation per band costs page faults (kernel time).
  const spare: Buffer[] = [];
  const largestBand = (bandRows + 2 * BAND_MARGIN) * rowBytes;
  let file: FileHandle | undefined;
  try {
    file = await openWhenWritten(path, state, source);
    await checkHeader(file, state, source);
    for (let top = 0, index = 0; top < height; top += bandRows, index++) {
      const bottom = Math.min(height, top + bandRows);
      const readTop = Math.max(0, top - BAND_MARGIN);
      const readBottom = Math.min(height, bottom + BAND_MARGIN);
      const offset = VIPS_HEADER_BYTES + readTop * rowBytes;
      const buffer = spare.pop() ?? Buffer.allocUnsafeSlow(Math.min(largestBand, height * rowBytes));
      const data = buffer.subarray(0, (readBottom - readTop) * rowBytes);
      await waitForBytes(file, offset + data.length, state, source);
      await readFully(file, data, offset);
      const band: Pixels = { kind: 'raw', data, width, height: readBottom - readTop, channels };
      const job = renderBand(options, jpeg, {
        band,
        top,
        bottom,
        readTop,
        level,
        next,
        reduced,
        joined0: joined0 === undefined ? undefined : { parts: joined0, index },
        joined1: joined1 === undefined ? undefined : { parts: joined1, index },
      });
      pending.add(job);
      job.then(
        () => {
          pending.delete(job);
          spare.push(buffer);
          bandsDone[index] = true;
          startLevel1Rows();
        },
        () => undefined,
      );
      if (pending.size >= BANDS_IN_FLIGHT) await Promise.race(pending);
    }
    await Promise.all(pending);
    if (joined0 !== undefined) await options.emit({ kind: 'level', level: 0 }, joinJpegBands(joined0, bandRows));
    if (joined1 !== undefined) await options.emit({ kind: 'level', level: 1 }, joinJpegBands(joined1, bandRows / 2));
    await Promise.all(level1Rows);
  } catch (error) {
    await Promise.allSettled(pending);
    await Promise.allSettled(level1Rows);
    await file?.close();
    await decoding;
    await (whole as Promise<void> | undefined)?.catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  await file.close();
  await decoding;
  if (state.error !== undefined) {
    await rm(path, { force: true });
    throw source.failure(state.error.cause);
  }
  const finished = (async () => {
    try {
      await whole;
    } finally {
      await rm(path, { force: true });
    }
  })();
  finished.catch(() => undefined);
  return {
    level1Whole: joined1 !== undefined,
    reduced:
      reduced === undefined || next === undefined
        ? undefined
        : { kind: 'raw', data: reduced, width: next.width, height: next.height, channels },
    finished,
  };
}

interface BandJob {
  /** The band's rows with their margins. */
  readonly band: Pixels;
  /** The band's own rows: `top` to `bottom - 1` of level 0; `readTop` is the band's first row. */
  readonly top: number;
  readonly bottom: number;
  readonly readTop: number;
  readonly level: PyramidLevel;
  readonly next: PyramidLevel | undefined;
  /** Level 1's pixels, filled band by band. */
  readonly reduced: Buffer | undefined;
  /** Where to put the JPEG of the band's own rows of level 0, when level 0's whole image is joined. */
  readonly joined0: { readonly parts: Buffer[]; readonly index: number } | undefined;
  /** Where to put the JPEG of the band's half (its rows of level 1), when level 1's is joined. */
  readonly joined1: { readonly parts: Buffer[]; readonly index: number } | undefined;
}

/** Encode a band's tiles and write its half into level 1. */
async function renderBand(options: RenderOptions, jpeg: JpegOptions, job: BandJob): Promise<void> {
  const { band, top, bottom, readTop, level, next, reduced, joined0, joined1 } = job;
  const { pyramid } = options;
  const tile = pyramid.tileSize;
  const jobs: (() => Promise<void>)[] = [];
  if (joined0 !== undefined) {
    jobs.push(async () => {
      const own = openPixels(band).extract({ left: 0, top: top - readTop, width: band.width, height: bottom - top });
      joined0.parts[joined0.index] = await own.jpeg(jpeg).toBuffer();
    });
  }
  if (reduced !== undefined && next !== undefined) {
    jobs.push(async () => {
      const halved = await openPixels(band)
        .resize(next.width, Math.ceil(band.height / 2), { fit: 'fill' })
        .raw()
        .toBuffer();
      const nextRowBytes = next.width * band.channels;
      const from = (top - readTop) / 2;
      const rows = Math.ceil(bottom / 2) - top / 2;
      const own = halved.subarray(from * nextRowBytes, (from + rows) * nextRowBytes);
      reduced.set(own, (top / 2) * nextRowBytes);
      if (joined1 !== undefined) {
        const half: Pixels = { kind: 'raw', data: own, width: next.width, height: rows, channels: band.channels };
        joined1.parts[joined1.index] = await openPixels(half).jpeg(jpeg).toBuffer();
      }
    });
  }
  for (let row = Math.floor(top / tile); row * tile < bottom; row++) {
    for (let column = 0; column < level.columns; column++) {
      const content: FileContent = { kind: 'tile', level: 0, column, row };
      if (!options.wants(content)) continue;
      jobs.push(async () => {
        const region = tileRegion(pyramid, content);
        const cut = openPixels(band).extract({
          left: column * tile,
          top: row * tile - readTop,
          width: region.width,
          height: region.height,
        });
        await options.emit(content, await cut.jpeg(jpeg).toBuffer());
      });
    }
  }
  // The encodes of the bands in flight share the threads with the decode, which is the critical path.
  await forEachLimited(jobs, Math.ceil(options.concurrency / BANDS_IN_FLIGHT), (run) => run());
}

/** Encode the wanted tiles of one row of a level. */
async function renderTileRow(
  options: RenderOptions,
  jpeg: JpegOptions,
  pixels: Pixels,
  level: PyramidLevel,
  row: number,
): Promise<void> {
  const tile = options.pyramid.tileSize;
  const columns: number[] = [];
  for (let column = 0; column < level.columns; column++) {
    if (options.wants({ kind: 'tile', level: level.index, column, row })) columns.push(column);
  }
  await forEachLimited(columns, options.concurrency, async (column) => {
    const content: FileContent = { kind: 'tile', level: level.index, column, row };
    const region = tileRegion(options.pyramid, content);
    const cut =
      level.columns === 1 && level.rows === 1
        ? openPixels(pixels)
        : openPixels(pixels).extract({
            left: column * tile,
            top: row * tile,
            width: region.width,
            height: region.height,
          });
    await options.emit(content, await cut.jpeg(jpeg).toBuffer());
  });
}

interface DecodeState {
  readonly done: boolean;
  readonly error?: { readonly cause: unknown };
}

/** Open the decoded file once the decode has created it. */
async function openWhenWritten(path: string, state: DecodeState, source: BandedSource): Promise<FileHandle> {
  for (;;) {
    const finished = state.done;
    if (state.error !== undefined) throw source.failure(state.error.cause);
    try {
      return await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || finished) throw error;
    }
    await sleep(POLL_MS);
  }
}

/** Check that the decoded file holds 8-bit pixels of the announced size and bands. */
async function checkHeader(file: FileHandle, state: DecodeState, source: BandedSource): Promise<void> {
  await waitForBytes(file, VIPS_HEADER_BYTES, state, source);
  const header = Buffer.alloc(VIPS_HEADER_BYTES);
  await readFully(file, header, 0);
  // libvips' header: magic, width, height, bands, (unused), band format (0: unsigned 8-bit), little-endian here.
  const found = {
    width: header.readInt32LE(4),
    height: header.readInt32LE(8),
    bands: header.readInt32LE(12),
    format: header.readInt32LE(20),
  };
  const expected = { width: source.width, height: source.height, bands: source.channels, format: 0 };
  if (header.readUInt32BE(0) !== 0xb6a6f208 || JSON.stringify(found) !== JSON.stringify(expected)) {
    throw new Error(
      `Expected decoded pixels ${JSON.stringify(expected)} but the decoded file says ${JSON.stringify(found)}`,
    );
  }
}

/** Wait until the decoded file holds `end` bytes (its rows are written in order). */
async function waitForBytes(file: FileHandle, end: number, state: DecodeState, source: BandedSource): Promise<void> {
  for (;;) {
    const finished = state.done;
    if (state.error !== undefined) throw source.failure(state.error.cause);
    const { size } = await file.stat();
    if (size >= end) return;
    if (finished) throw new Error(`Expected at least ${end} bytes of decoded pixels but the file has ${size}`);
    await sleep(POLL_MS);
  }
}

async function readFully(file: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await file.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) throw new Error(`Expected ${buffer.length} bytes at ${position} but the file ended`);
    done += bytesRead;
  }
}
