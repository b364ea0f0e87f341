import { type FileHandle, open } from 'node:fs/promises';

/** What the pixels written to a raw TIFF are. */
export interface RawTiffLayout {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGB + alpha; interleaved. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly bitsPerSample: 8 | 16;
  /** An ICC profile the pixels are in; without one they are sRGB (or grey). */
  readonly icc?: Uint8Array;
}

/** Rows per strip: small strips let libvips read the file sequentially with little memory. */
const ROWS_PER_STRIP = 64;

/**
 * A writer of an uncompressed, little-endian BigTIFF (so any size fits) whose rows arrive in order:
 * the hand-over from a decoder that sharp cannot read itself (JPEG 2000, PDF) to the common decode.
 * The header, directory and strip tables are written first (uncompressed strips have known offsets),
 * then the rows as they come, so a large image never needs to be in memory whole.
 */
export class RawTiffWriter {
  private readonly file: FileHandle;
  private readonly rowBytes: number;
  private position: number;
  private rows = 0;

  private constructor(
    file: FileHandle,
    private readonly layout: RawTiffLayout,
    dataStart: number,
  ) {
    this.file = file;
    this.rowBytes = layout.width * layout.channels * (layout.bitsPerSample / 8);
    this.position = dataStart;
  }

  /** Create the file at `path` and write its header. */
  public static async create(path: string, layout: RawTiffLayout): Promise<RawTiffWriter> {
    const header = tiffHeader(layout);
    const file = await open(path, 'w');
    try {
      await writeAll(file, header, 0);
    } catch (error) {
      await file.close();
      throw error;
    }
    return new RawTiffWriter(file, layout, header.length);
  }

  /** Append whole rows (`bytes` holds a whole number of rows, samples little-endian). */
  public async writeRows(bytes: Uint8Array): Promise<void> {
    if (bytes.length % this.rowBytes !== 0) {
      throw new Error(`writeRows: ${bytes.length} bytes is not a whole number of ${this.rowBytes}-byte rows`);
    }
    const rows = bytes.length / this.rowBytes;
    if (this.rows + rows > this.layout.height) throw new Error('writeRows: more rows than the image has');
    await writeAll(this.file, bytes, this.position);
    this.position += bytes.length;
    this.rows += rows;
  }

  /** Close the file; every row must have been written. */
  public async close(): Promise<void> {
    await this.file.close();
    if (this.rows !== this.layout.height) {
      throw new Error(`RawTiffWriter: ${this.rows} of ${this.layout.height} rows written`);
    }
  }

  /** Close the file after a failure (the caller removes it). */
  public async abandon(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }
}

async function writeAll(file: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

const SHORT = 3;
const LONG = 4;
const UNDEFINED = 7;
const LONG8 = 16;

interface Entry {
  readonly tag: number;
  readonly type: number;
  readonly values: readonly number[] | Uint8Array;
}

/** The BigTIFF header, its one directory and the out-of-line values, up to the first pixel. */
function tiffHeader(layout: RawTiffLayout): Buffer {
  const { width, height, channels, bitsPerSample } = layout;
  const rowBytes = width * channels * (bitsPerSample / 8);
  const strips = Math.ceil(height / ROWS_PER_STRIP);
  const stripBytes = Array.from(
    { length: strips },
    (_, index) => Math.min(ROWS_PER_STRIP, height - index * ROWS_PER_STRIP) * rowBytes,
  );
  const entries: Entry[] = [
    { tag: 256, type: LONG, values: [width] },
    { tag: 257, type: LONG, values: [height] },
    { tag: 258, type: SHORT, values: new Array<number>(channels).fill(bitsPerSample) },
    { tag: 259, type: SHORT, values: [1] },
    { tag: 262, type: SHORT, values: [channels >= 3 ? 2 : 1] },
    { tag: 273, type: LONG8, values: new Array<number>(strips).fill(0) },
    { tag: 277, type: SHORT, values: [channels] },
    { tag: 278, type: LONG, values: [ROWS_PER_STRIP] },
    { tag: 279, type: LONG8, values: stripBytes },
    { tag: 284, type: SHORT, values: [1] },
    ...(channels === 2 || channels === 4 ? [{ tag: 338, type: SHORT, values: [2] }] : []),
    ...(layout.icc === undefined ? [] : [{ tag: 34675, type: UNDEFINED, values: layout.icc }]),
  ];
  const sizeOf = (type: number): number => (type === SHORT ? 2 : type === LONG ? 4 : type === LONG8 ? 8 : 1);
  const directoryBytes = 8 + entries.length * 20 + 8;
  const outOfLine = entries.map((entry) => entry.values.length * sizeOf(entry.type)).map((n) => (n > 8 ? n : 0));
  const extraBytes = outOfLine.reduce((sum, n) => sum + n + (n % 2), 0);
  const dataStart = 16 + directoryBytes + extraBytes;
  const header = Buffer.alloc(dataStart);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(43, 2);
  header.writeUInt16LE(8, 4);
  header.writeBigUInt64LE(16n, 8);
  header.writeBigUInt64LE(BigInt(entries.length), 16);
  let extra = 16 + directoryBytes;
  for (const [index, entry] of entries.entries()) {
    const at = 24 + index * 20;
    header.writeUInt16LE(entry.tag, at);
    header.writeUInt16LE(entry.type, at + 2);
    header.writeBigUInt64LE(BigInt(entry.values.length), at + 4);
    let valueAt = at + 12;
    if ((outOfLine[index] ?? 0) > 0) {
      header.writeBigUInt64LE(BigInt(extra), at + 12);
      valueAt = extra;
      extra += (outOfLine[index] ?? 0) + ((outOfLine[index] ?? 0) % 2);
    }
    const values =
      entry.tag === 273 ? stripBytes.map((_, strip) => dataStart + strip * ROWS_PER_STRIP * rowBytes) : entry.values;
    for (const [n, value] of [...values].entries()) {
      const to = valueAt + n * sizeOf(entry.type);
      if (entry.type === SHORT) header.writeUInt16LE(value, to);
      else if (entry.type === LONG) header.writeUInt32LE(value, to);
      else if (entry.type === LONG8) header.writeBigUInt64LE(BigInt(value), to);
      else header.writeUInt8(value, to);
    }
  }
  return header;
}
