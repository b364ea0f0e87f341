import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

interface Encoder {
  getDecodedBuffer(info: {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
    isUsingColorTransform: boolean;
  }): Uint8Array;
  setQuality(lossless: boolean, quality: number): void;
  setCompressionRatio(layer: number, ratio: number): void;
  setTileSize?(width: number, height: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
}

const require = createRequire(import.meta.url);

export interface Jp2Options {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 3 RGB (4 RGBA). */
  readonly components: number;
  /** 8 or 16 (samples in `pixels` are 1 or 2 bytes, little-endian). */
  readonly bits: number;
  /** Lossless (reversible 5/3 wavelet), or lossy at about 10:1. */
  readonly lossless: boolean;
  /** An ICC profile for the `colr` box; otherwise it names sRGB or grey. */
  readonly icc?: Buffer;
  /** Only the codestream (a `.j2k`), no JP2 boxes. */
  readonly codestreamOnly?: boolean;
}

/**
 * Encode interleaved pixels as JPEG 2000 with the same OpenJPEG build the worker decodes with (the
 * encoder writes a J2K codestream; the JP2 boxes around it are written here).
 */
export async function encodeJp2(pixels: Uint8Array, options: Jp2Options): Promise<Buffer> {
  const factory = require('@cornerstonejs/codec-openjpeg/wasmjs') as (
    options: Record<string, unknown>,
  ) => Promise<{ J2KEncoder: new () => Encoder }>;
  const codec = await factory({ print: () => undefined, printErr: () => undefined });
  const encoder = new codec.J2KEncoder();
  encoder
    .getDecodedBuffer({
      width: options.width,
      height: options.height,
      bitsPerSample: options.bits,
      componentCount: options.components,
      isSigned: false,
      isUsingColorTransform: options.components >= 3,
    })
    .set(pixels);
  if (options.lossless) encoder.setQuality(true, 0);
  else {
    encoder.setQuality(false, 0);
    encoder.setCompressionRatio(0, 10);
  }
  encoder.encode();
  const codestream = Buffer.from(encoder.getEncodedBuffer());
  if (options.codestreamOnly === true) return codestream;
  return wrapJp2(codestream, options);
}

function box(type: string, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function wrapJp2(codestream: Buffer, options: Jp2Options): Buffer {
  const signature = Buffer.from([0x0d, 0x0a, 0x87, 0x0a]);
  const ftyp = Buffer.alloc(12);
  ftyp.write('jp2 ', 0, 'latin1');
  ftyp.write('jp2 ', 8, 'latin1');
  const ihdr = Buffer.alloc(14);
  ihdr.writeUInt32BE(options.height, 0);
  ihdr.writeUInt32BE(options.width, 4);
  ihdr.writeUInt16BE(options.components, 8);
  ihdr.writeUInt8(options.bits - 1, 10);
  ihdr.writeUInt8(7, 11);
  let colr: Buffer;
  if (options.icc === undefined) {
    colr = Buffer.alloc(7);
    colr.writeUInt8(1, 0);
    colr.writeUInt32BE(options.components >= 3 ? 16 : 17, 3);
  } else {
    colr = Buffer.concat([Buffer.from([2, 0, 0]), options.icc]);
  }
  return Buffer.concat([
    box('jP  ', signature),
    box('ftyp', ftyp),
    box('jp2h', box('ihdr', ihdr), box('colr', colr)),
    box('jp2c', codestream),
  ]);
}

/**
 * Debian's `opj_compress` (package libopenjp2-tools, installed by `.ci/install-browser.sh`), for
 * what the WebAssembly encoder cannot write (multi-component samples deeper than 8 bits), or
 * `undefined` when it is not installed (outside CI the tests that need it then skip).
 */
export function opjCompress(): ((input: string, output: string) => void) | undefined {
  try {
    execFileSync('opj_compress', ['-h'], { stdio: 'ignore' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (process.env.CI === 'true') throw new Error('opj_compress is missing: .ci/install-browser.sh installs it');
      return undefined;
    }
  }
  return (input, output) => {
    execFileSync('opj_compress', ['-i', input, '-o', output], { stdio: 'ignore' });
  };
}
