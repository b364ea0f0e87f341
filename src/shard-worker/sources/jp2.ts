import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { MAX_INPUT_PIXELS } from '../decode-source.js';
import { ImageFailure } from '../image-failure.js';
import { RawTiffWriter } from './write-raw-tiff.js';

/**
 * JPEG 2000 (`.jp2` `.j2k` `.jpf` `.jpx`), which sharp's libvips cannot read, decoded with OpenJPEG
 * compiled to WebAssembly (`@cornerstonejs/codec-openjpeg`) into an uncompressed TIFF that the
 * common decode then reads like any TIFF (16-bit reduced to 8, ICC converted to sRGB).
 */

/** What the JP2 boxes and the codestream header say. */
export interface Jp2Header {
  /** Where the codestream starts and how long it is. */
  readonly codestream: { readonly start: number; readonly length: number };
  readonly width: number;
  readonly height: number;
  readonly components: number;
  /** Bits per sample of the first component (1–16 accepted). */
  readonly bits: number;
  readonly signed: boolean;
  /** Whether every component has the image's full resolution (no chroma subsampling). */
  readonly fullResolution: boolean;
  /** The `colr` box's ICC profile, when it has one. */
  readonly icc?: Uint8Array;
  /** The `colr` box's enumerated colour space (16 sRGB, 17 grey, 18 sYCC), when it has one. */
  readonly enumeratedColourSpace?: number;
}

const JP2_SIGNATURE = Buffer.from([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]);
const SOC_SIZ = Buffer.from([0xff, 0x4f, 0xff, 0x51]);

/**
 * Read a JP2/JPX file's boxes (or a raw J2K codestream) and the codestream's SIZ marker.
 *
 * @throws {ImageFailure} when the bytes are neither
 */
export function readJp2Header(bytes: Buffer): Jp2Header {
  let codestream = { start: 0, length: bytes.length };
  let icc: Uint8Array | undefined;
  let enumerated: number | undefined;
  if (bytes.subarray(0, 12).equals(JP2_SIGNATURE)) {
    let found = false;
    const walk = (start: number, end: number): void => {
      let at = start;
      while (at + 8 <= end) {
        let length = bytes.readUInt32BE(at);
        const type = bytes.toString('latin1', at + 4, at + 8);
        let header = 8;
        if (length === 1) {
          length = Number(bytes.readBigUInt64BE(at + 8));
          header = 16;
        } else if (length === 0) {
          length = end - at;
        }
        if (length < header || at + length > end)
          throw new ImageFailure(`broken JPEG 2000 file: box "${type}" overruns the file`);
        if (type === 'jp2h') walk(at + header, at + length);
        else if (type === 'colr' && icc === undefined && enumerated === undefined) {
          const method = bytes[at + header];
          if (method === 1) enumerated = bytes.readUInt32BE(at + header + 3);
          else if (method === 2 || method === 3) icc = bytes.subarray(at + header + 3, at + length);
        } else if (type === 'jp2c' && !found) {
          codestream = { start: at + header, length: length - header };
          found = true;
        }
        at += length;
      }
    };
    walk(12, bytes.length);
    if (!found) throw new ImageFailure('broken JPEG 2000 file: no codestream (jp2c box)');
  }
  const cs = bytes.subarray(codestream.start, codestream.start + codestream.length);
  if (cs.length < 42 || !cs.subarray(0, 4).equals(SOC_SIZ)) {
    throw new ImageFailure('not a JPEG 2000 file: neither the JP2 signature nor a J2K codestream');
  }
  // SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz, then Ssiz XRsiz YRsiz per component.
  const width = cs.readUInt32BE(8) - cs.readUInt32BE(16);
  const height = cs.readUInt32BE(12) - cs.readUInt32BE(20);
  const components = cs.readUInt16BE(40);
  if (cs.length < 42 + components * 3 || components === 0)
    throw new ImageFailure('broken JPEG 2000 file: short SIZ marker');
  const ssiz = cs[42] ?? 0;
  let fullResolution = true;
  for (let index = 0; index < components; index++) {
    if (cs[43 + index * 3] !== 1 || cs[44 + index * 3] !== 1) fullResolution = false;
  }
  return {
    codestream,
    width,
    height,
    components,
    bits: (ssiz & 0x7f) + 1,
    signed: (ssiz & 0x80) !== 0,
    fullResolution,
    ...(icc === undefined ? {} : { icc }),
    ...(enumerated === undefined ? {} : { enumeratedColourSpace: enumerated }),
  };
}

/** The most memory OpenJPEG's WebAssembly build can grow to (its build's maximum heap). */
export const OPENJPEG_MEMORY_BYTES = 2 * 1024 ** 3;

/**
 * Memory a whole-image decode needs inside OpenJPEG: the codestream, one 32-bit integer per sample
 * while decoding, the interleaved output, and working room. (Measured: a lossless 100-megapixel
 * RGB JP2 of 66 MB peaks at 1.9 GB resident.)
 */
export function decodeMemory(
  header: Pick<Jp2Header, 'width' | 'height' | 'components' | 'bits' | 'codestream'>,
): number {
  const samples = header.width * header.height * header.components;
  return header.codestream.length + samples * (4 + (header.bits > 8 ? 2 : 1)) + 64 * 1024 ** 2;
}

function gib(bytes: number): string {
  return (bytes / 1024 ** 3).toFixed(1);
}

interface OpenJpegDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  delete?(): void;
}
interface OpenJpegModule {
  J2KDecoder: new () => OpenJpegDecoder;
}
type OpenJpegFactory = (options: Record<string, unknown>) => Promise<OpenJpegModule>;

const require = createRequire(import.meta.url);

/**
 * A fresh OpenJPEG instance: WebAssembly memory only grows, so each image gets its own, freed with
 * it, and a large JP2 does not leave the worker holding its decode memory for the next image.
 */
function openJpeg(): Promise<OpenJpegModule> {
  const factory = require('@cornerstonejs/codec-openjpeg/decodewasmjs') as OpenJpegFactory;
  // OpenJPEG reports progress on stdout; a worker's stdout is its JSON log.
  return factory({ print: () => undefined, printErr: () => undefined });
}

/**
 * Decode a JPEG 2000 source into an uncompressed TIFF at `outputPath` (8- or 16-bit, grey or RGB,
 * alpha kept, with the `colr` box's ICC profile). Samples of 9–15 bits are scaled to 16, of 1–7
 * bits to 8.
 *
 * @throws {ImageFailure} for what cannot be decoded: not JPEG 2000, signed or subsampled components,
 *   sYCC, more than 4 components, larger than `MAX_INPUT_PIXELS` or than OpenJPEG's memory allows
 *   (`decodeMemory`), or a codestream OpenJPEG rejects
 */
export async function decodeJp2(sourcePath: string, outputPath: string): Promise<void> {
  const bytes = await readFile(sourcePath);
  const header = readJp2Header(bytes);
  const { width, height, components, bits } = header;
  if (width * height > MAX_INPUT_PIXELS) {
    throw new ImageFailure(
      `image too large: ${width}x${height} is ${Math.round((width * height) / 1e6)} megapixels, ` +
        `more than the ${MAX_INPUT_PIXELS / 1e6} megapixels a worker accepts`,
    );
  }
  if (components > 4)
    throw new ImageFailure(`JPEG 2000 with ${components} components: only grey, RGB and alpha are supported`);
  if (header.signed) throw new ImageFailure('JPEG 2000 with signed samples: not supported');
  if (!header.fullResolution) throw new ImageFailure('JPEG 2000 with subsampled components: not supported');
  if (header.enumeratedColourSpace === 18) throw new ImageFailure('JPEG 2000 in sYCC: not supported');
  if (bits > 16) throw new ImageFailure(`JPEG 2000 with ${bits}-bit samples: at most 16 bits are supported`);
  const needed = decodeMemory(header);
  if (needed > OPENJPEG_MEMORY_BYTES) {
    throw new ImageFailure(
      `JPEG 2000 too large to decode: ${width}x${height}x${components} needs about ${gib(needed)} GiB, ` +
        `more than the ${gib(OPENJPEG_MEMORY_BYTES)} GiB the decoder (OpenJPEG in WebAssembly) can address`,
    );
  }

  const codec = await openJpeg();
  const decoder = new codec.J2KDecoder();
  let decoded: Uint8Array;
  try {
    decoder
      .getEncodedBuffer(header.codestream.length)
      .set(bytes.subarray(header.codestream.start, header.codestream.start + header.codestream.length));
    decoder.decode();
    decoded = decoder.getDecodedBuffer();
  } catch (error) {
    throw new ImageFailure(`JPEG 2000 decoding failed: ${describeWasmError(error)}`, { cause: error });
  }
  const info = decoder.getFrameInfo();
  if (info.width !== width || info.height !== height || info.componentCount !== components) {
    throw new ImageFailure(
      `JPEG 2000 decoding failed: decoded ${info.width}x${info.height}x${info.componentCount}, header says ${width}x${height}x${components}`,
    );
  }
  const outBits = bits > 8 ? 16 : 8;
  const writer = await RawTiffWriter.create(outputPath, {
    width,
    height,
    channels: components as 1 | 2 | 3 | 4,
    bitsPerSample: outBits,
    ...(header.icc === undefined ? {} : { icc: header.icc }),
  });
  try {
    const rowBytes = width * components * (outBits / 8);
    const rowsPerWrite = Math.max(1, Math.floor((8 * 1024 * 1024) / rowBytes));
    for (let row = 0; row < height; row += rowsPerWrite) {
      const rows = Math.min(rowsPerWrite, height - row);
      const chunk = decoded.subarray(row * rowBytes, (row + rows) * rowBytes);
      await writer.writeRows(scaleSamples(chunk, bits));
    }
    await writer.close();
  } catch (error) {
    await writer.abandon();
    await rm(outputPath, { force: true });
    throw error;
  }
}

/** Samples of `bits` bits (in 8- or 16-bit containers) scaled to the container's full range. */
function scaleSamples(chunk: Uint8Array, bits: number): Uint8Array {
  if (bits === 8 || bits === 16) return chunk;
  const max = (1 << bits) - 1;
  if (bits < 8) {
    const out = new Uint8Array(chunk.length);
    for (let index = 0; index < chunk.length; index++) out[index] = Math.round(((chunk[index] ?? 0) * 255) / max);
    return out;
  }
  const samples = new Uint16Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength));
  const table = new Uint16Array(max + 1);
  for (let value = 0; value <= max; value++) table[value] = Math.round((value * 65535) / max);
  for (let index = 0; index < samples.length; index++) samples[index] = table[(samples[index] ?? 0) & max] ?? 0;
  return new Uint8Array(samples.buffer);
}

function describeWasmError(error: unknown): string {
  if (typeof error === 'number') return `OpenJPEG error ${error} (a corrupt or truncated codestream)`;
  return error instanceof Error ? error.message : String(error);
}
