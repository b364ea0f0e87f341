import { createHash } from 'node:crypto';

/** Raw interleaved 8-bit pixels of one small pyramid level (1–2 channels grey, 3–4 colour). */
export interface RawPixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/** A band of one colour along an edge, as `measureImage` finds it. */
export interface EdgeBand {
  readonly edge: 'bottom' | 'right';
  /** Share of the image's height (bottom) or width (right) the band covers, 0–1. */
  readonly fraction: number;
  /** The band's colour, `[r, g, b]` (grey repeated). */
  readonly colour: readonly [number, number, number];
}

/**
 * What QC knows about one image, measured on a small level while tiling (see `measureImage`) and
 * stored with its result, so the assembler compares images without reading any.
 */
export interface ImageMeasurement {
  /** Size of the level measured. */
  readonly width: number;
  readonly height: number;
  /** SHA-256 (hex, first 32 digits) of the level's size, channel count and decoded pixels. */
  readonly pixelHash: string;
  /** Mean and standard deviation of the luma (Rec. 601), 0–255. */
  readonly lumaMean: number;
  readonly lumaStdDev: number;
  /** Mean of max(r,g,b) − min(r,g,b) per pixel, 0–255: 0 for a grey image. */
  readonly colourfulness: number;
  /** A constant band cut short at the bottom or right edge, when there is one. */
  readonly edgeBand?: EdgeBand;
}

/**
 * Below this luma standard deviation an image is "nearly uniform" (a blank or black page). Chosen
 * from measured small levels: generated noise-free blank pages give 0–0.5, a blank paper scan
 * with texture and a faint show-through gives 1–3 after reduction, while the sparsest text page
 * and every photograph of the example collection are above 12. 4 leaves room on both sides.
 */
export const UNIFORM_STDDEV = 4;

/**
 * A line (row or column) is "constant" when no channel varies along it by more than this, and its
 * mean is within this of the edge line's mean. A decoder's fill is exactly flat and stays within
 * 1–2 levels through the reduction and the JPEG round trip (tested); paper grain of ±6 levels,
 * reduced four times, still varies by 5 or more along a line, so a margin of paper is not constant.
 */
export const BAND_TOLERANCE = 2;

/**
 * A band counts when it covers at least this share of the edge's length: 3 % is 8 rows of a 256-pixel
 * level, beyond the 8-pixel JPEG blocks that blur where the band starts. A real master cut short
 * loses far more (a truncated TIFF usually half or more).
 */
export const MIN_BAND_FRACTION = 0.03;

/**
 * Measure one image from the raw pixels of a small level: a pure function (no I/O), cheap (one pass
 * over a level of ~256 pixels a side, about 200 k bytes).
 */
export function measureImage(pixels: RawPixels): ImageMeasurement {
  const { data, width, height, channels } = pixels;
  if (width < 1 || height < 1 || channels < 1 || data.length < width * height * channels) {
    throw new Error(
      `Expected ${width}x${height}x${channels} bytes of pixels but received ${data.length} (image of ${width}x${height})`,
    );
  }
  const colour = channels >= 3;
  let sum = 0;
  let sumSquares = 0;
  let chroma = 0;
  const count = width * height;
  for (let index = 0; index < count; index++) {
    const offset = index * channels;
    const r = data[offset] ?? 0;
    const g = colour ? (data[offset + 1] ?? 0) : r;
    const b = colour ? (data[offset + 2] ?? 0) : r;
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += luma;
    sumSquares += luma * luma;
    if (colour) chroma += Math.max(r, g, b) - Math.min(r, g, b);
  }
  const mean = sum / count;
  const variance = Math.max(0, sumSquares / count - mean * mean);
  const hash = createHash('sha256');
  hash.update(`${width}x${height}x${channels}\n`);
  hash.update(data.subarray(0, count * channels));
  const edgeBand = findEdgeBand(pixels);
  return {
    width,
    height,
    pixelHash: hash.digest('hex').slice(0, 32),
    lumaMean: round(mean),
    lumaStdDev: round(Math.sqrt(variance)),
    colourfulness: round(chroma / count),
    ...(edgeBand === undefined ? {} : { edgeBand }),
  };
}

/**
 * The deeper constant band along the bottom or the right edge: lines (rows, columns) counted inward
 * from the edge while each stays constant (see `BAND_TOLERANCE`) and of the edge line's colour.
 * Reported when it covers `MIN_BAND_FRACTION` of the edge's length beyond twice the depth of a
 * band of the same colour at the opposite edge: a flat margin or backdrop all round is not a cut,
 * a cut below a border is.
 */
function findEdgeBand(pixels: RawPixels): EdgeBand | undefined {
  const { width, height } = pixels;
  const candidates: EdgeBand[] = [];
  for (const edge of ['bottom', 'right'] as const) {
    const length = edge === 'bottom' ? height : width;
    const line = (index: number, fromFar: boolean): LineStats => {
      const at = fromFar ? index : length - 1 - index;
      return edge === 'bottom' ? lineStats(pixels, 0, at, 1, 0, width) : lineStats(pixels, at, 0, 0, 1, height);
    };
    const first = line(0, false);
    if (!isFlat(first)) continue;
    const reference = first.mean;
    const depth = bandDepth((index) => line(index, false), length, reference);
    if (depth === length) continue;
    const opposite = bandDepth((index) => line(index, true), length, reference);
    if ((depth - 2 * opposite) / length < MIN_BAND_FRACTION) continue;
    const colour = reference.map(Math.round) as [number, number, number];
    candidates.push({ edge, fraction: round(depth / length), colour });
  }
  return candidates.sort((a, b) => b.fraction - a.fraction)[0];
}

interface LineStats {
  readonly mean: readonly [number, number, number];
  /** max − min along the line, per channel. */
  readonly range: readonly [number, number, number];
}

function lineStats(pixels: RawPixels, x: number, y: number, dx: number, dy: number, count: number): LineStats {
  const sum = [0, 0, 0];
  const low = [255, 255, 255];
  const high = [0, 0, 0];
  for (let step = 0; step < count; step++) {
    const pixel = pixelAt(pixels, x + dx * step, y + dy * step);
    for (let channel = 0; channel < 3; channel++) {
      const value = pixel[channel] ?? 0;
      sum[channel] = (sum[channel] ?? 0) + value;
      low[channel] = Math.min(low[channel] ?? 255, value);
      high[channel] = Math.max(high[channel] ?? 0, value);
    }
  }
  const channel = (values: number[], index: number): number => values[index] ?? 0;
  return {
    mean: [channel(sum, 0) / count, channel(sum, 1) / count, channel(sum, 2) / count],
    range: [channel(high, 0) - channel(low, 0), channel(high, 1) - channel(low, 1), channel(high, 2) - channel(low, 2)],
  };
}

function isFlat(line: LineStats): boolean {
  return line.range.every((range) => range <= BAND_TOLERANCE);
}

function bandDepth(
  line: (index: number) => LineStats,
  length: number,
  reference: readonly [number, number, number],
): number {
  let depth = 0;
  while (depth < length) {
    const stats = line(depth);
    if (
      !isFlat(stats) ||
      stats.mean.some((value, channel) => Math.abs(value - (reference[channel] ?? 0)) > BAND_TOLERANCE)
    ) {
      break;
    }
    depth++;
  }
  return depth;
}

function pixelAt(pixels: RawPixels, x: number, y: number): [number, number, number] {
  const offset = (y * pixels.width + x) * pixels.channels;
  const r = pixels.data[offset] ?? 0;
  if (pixels.channels < 3) return [r, r, r];
  return [r, pixels.data[offset + 1] ?? 0, pixels.data[offset + 2] ?? 0];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
