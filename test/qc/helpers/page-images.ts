import sharp from 'sharp';

/** Raw RGB pixels of a generated image. */
export interface GeneratedPixels {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
}

/** A deterministic pseudo-random sequence (mulberry32), so generated pages are the same every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PageOptions {
  readonly width?: number;
  readonly height?: number;
  /** Different seeds give different text. */
  readonly seed?: number;
  /** Paper colour (default a warm off-white); text is dark grey, or tinted for a colour page. */
  readonly paper?: readonly [number, number, number];
  readonly ink?: readonly [number, number, number];
  /** Paper grain: ± this many levels of noise per pixel (default 6). */
  readonly grain?: number;
  /** Rows from this one down are black (a master cut short). */
  readonly blackFromRow?: number;
  /** Columns from this one rightwards are one colour. */
  readonly constantFromColumn?: { readonly column: number; readonly colour: readonly [number, number, number] };
  /** No text: a blank page of paper. */
  readonly blank?: boolean;
}

/**
 * A scanned-page lookalike: paper with grain, margins, and lines of "words" (dark blocks of random
 * widths), so it has the statistics of a text page without being one.
 */
export function pagePixels(options: PageOptions = {}): GeneratedPixels {
  const width = options.width ?? 600;
  const height = options.height ?? 800;
  const paper = options.paper ?? [236, 230, 214];
  const ink = options.ink ?? [40, 38, 36];
  const grain = options.grain ?? 6;
  const next = random(options.seed ?? 1);
  const data = Buffer.alloc(width * height * 3);
  for (let index = 0; index < width * height; index++) {
    const noise = Math.round((next() * 2 - 1) * grain);
    for (let channel = 0; channel < 3; channel++) {
      data[index * 3 + channel] = clamp((paper[channel] ?? 0) + noise);
    }
  }
  if (options.blank !== true) {
    const margin = Math.round(width * 0.1);
    const lineHeight = Math.max(6, Math.round(height / 40));
    for (let top = Math.round(height * 0.1); top + lineHeight < height * 0.9; top += lineHeight * 2) {
      let x = margin;
      while (x < width - margin) {
        const word = Math.round(width * (0.03 + next() * 0.08));
        const end = Math.min(width - margin, x + word);
        for (let y = top; y < top + lineHeight; y++) {
          for (let column = x; column < end; column++) {
            const offset = (y * width + column) * 3;
            for (let channel = 0; channel < 3; channel++) data[offset + channel] = ink[channel] ?? 0;
          }
        }
        x = end + Math.round(width * 0.02);
      }
    }
  }
  if (options.blackFromRow !== undefined) data.fill(0, options.blackFromRow * width * 3);
  const band = options.constantFromColumn;
  if (band !== undefined) {
    for (let y = 0; y < height; y++) {
      for (let column = band.column; column < width; column++) {
        const offset = (y * width + column) * 3;
        for (let channel = 0; channel < 3; channel++) data[offset + channel] = band.colour[channel] ?? 0;
      }
    }
  }
  return { data, width, height, channels: 3 };
}

/** A page turned a quarter (clockwise): what a page scanned sideways looks like. */
export async function rotatedPixels(page: GeneratedPixels): Promise<GeneratedPixels> {
  const { data, info } = await sharp(page.data, { raw: page }).rotate(90).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

/** Encode generated pixels as a JPEG source file. */
export async function pageJpeg(page: GeneratedPixels, quality = 90): Promise<Buffer> {
  return sharp(page.data, { raw: page }).jpeg({ quality }).toBuffer();
}

function clamp(value: number): number {
  return Math.max(0, Math.min(255, value));
}
