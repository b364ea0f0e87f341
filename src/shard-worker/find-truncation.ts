import { type FileHandle, open } from 'node:fs/promises';

/**
 * Why a TIFF or PNG file is cut short (`truncated TIFF: the file has …`), or `undefined` when its structure is complete (or it is
 * another format, or a structure this check does not understand: the decoder then decides).
 *
 * libvips decodes a TIFF whose directory comes first (as most scanner software and Pillow write
 * uncompressed masters) but whose strips end early with only a *warning*: without this check the
 * missing rows are published black. A TIFF is checked against its first directory (the page that
 * is tiled): the directory and every strip or tile it points to must lie inside the file. A PNG
 * must hold its chunks whole, up to `IEND`. Reads the header, the directory and the offset tables
 * only, never the pixels.
 */
export async function findTruncation(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const head = await readAt(file, 0, 16);
    if (head.length >= 8 && (head.toString('latin1', 0, 2) === 'II' || head.toString('latin1', 0, 2) === 'MM')) {
      return prefixed('TIFF', await tiffTruncation(file, size, head));
    }
    if (head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE)) {
      return prefixed('PNG', await pngTruncation(file, size));
    }
    return undefined;
  } finally {
    await file.close();
  }
}

function prefixed(format: string, detail: string | undefined): string | undefined {
  return detail === undefined ? undefined : `truncated ${format}: ${detail}`;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const STRIP_OFFSETS = 273;
const STRIP_BYTE_COUNTS = 279;
const TILE_OFFSETS = 324;
const TILE_BYTE_COUNTS = 325;

/** Bytes per value of the TIFF field types an offset table may use (SHORT, LONG, LONG8, IFD, IFD8). */
const TYPE_BYTES: Readonly<Record<number, number>> = { 3: 2, 4: 4, 13: 4, 16: 8, 18: 8 };

interface TiffLayout {
  readonly little: boolean;
  readonly big: boolean;
}

async function tiffTruncation(file: FileHandle, size: number, head: Buffer): Promise<string | undefined> {
  const little = head.toString('latin1', 0, 2) === 'II';
  const magic = little ? head.readUInt16LE(2) : head.readUInt16BE(2);
  if (magic !== 42 && magic !== 43) return undefined;
  const layout: TiffLayout = { little, big: magic === 43 };
  if (layout.big && head.length < 16) return cutShort(size, 16, 'its header');
  const ifd = layout.big ? readUint(head, 8, 8, little) : readUint(head, 4, 4, little);
  const countBytes = layout.big ? 8 : 2;
  const entryBytes = layout.big ? 20 : 12;
  if (ifd + countBytes > size) return cutShort(size, ifd + countBytes, 'its directory');
  const entries = readUint(await readAt(file, ifd, countBytes), 0, countBytes, little);
  const ifdEnd = ifd + countBytes + entries * entryBytes;
  if (ifdEnd > size) return cutShort(size, ifdEnd, 'its directory');
  const directory = await readAt(file, ifd + countBytes, entries * entryBytes);

  const fields = new Map<number, readonly number[]>();
  for (let index = 0; index < entries; index++) {
    const at = index * entryBytes;
    const tag = little ? directory.readUInt16LE(at) : directory.readUInt16BE(at);
    if (![STRIP_OFFSETS, STRIP_BYTE_COUNTS, TILE_OFFSETS, TILE_BYTE_COUNTS].includes(tag)) continue;
    const values = await readField(file, size, directory.subarray(at, at + entryBytes), layout);
    if (values === undefined) return undefined;
    if (typeof values === 'string') return values;
    fields.set(tag, values);
  }
  const offsets = fields.get(STRIP_OFFSETS) ?? fields.get(TILE_OFFSETS);
  const counts = fields.get(STRIP_BYTE_COUNTS) ?? fields.get(TILE_BYTE_COUNTS);
  if (offsets === undefined || counts === undefined || offsets.length !== counts.length) return undefined;
  let end = 0;
  for (let index = 0; index < offsets.length; index++) {
    end = Math.max(end, (offsets[index] as number) + (counts[index] as number));
  }
  return end > size ? cutShort(size, end, 'its image data') : undefined;
}

/** The values of one directory entry, a reason when they lie beyond the end, or `undefined` when odd. */
async function readField(
  file: FileHandle,
  size: number,
  entry: Buffer,
  layout: TiffLayout,
): Promise<readonly number[] | string | undefined> {
  const { little, big } = layout;
  const type = little ? entry.readUInt16LE(2) : entry.readUInt16BE(2);
  const width = TYPE_BYTES[type];
  if (width === undefined) return undefined;
  const count = big ? readUint(entry, 4, 8, little) : readUint(entry, 4, 4, little);
  const bytes = count * width;
  // A 400-megapixel master has tens of thousands of strips at most: anything far larger is odd.
  if (count === 0 || bytes > 64 * 1024 * 1024) return undefined;
  const inline = big ? 8 : 4;
  let data: Buffer;
  if (bytes <= inline) {
    data = entry.subarray(big ? 12 : 8, (big ? 12 : 8) + bytes);
  } else {
    const at = readUint(entry, big ? 12 : 8, big ? 8 : 4, little);
    if (at + bytes > size) return cutShort(size, at + bytes, 'its offset table');
    data = await readAt(file, at, bytes);
  }
  const values: number[] = [];
  for (let index = 0; index < count; index++) values.push(readUint(data, index * width, width, little));
  return values;
}

async function pngTruncation(file: FileHandle, size: number): Promise<string | undefined> {
  let at = PNG_SIGNATURE.length;
  while (at + 8 <= size) {
    const header = await readAt(file, at, 8);
    const end = at + 12 + header.readUInt32BE(0);
    if (end > size) return cutShort(size, end, `its ${header.toString('latin1', 4, 8)} chunk`);
    if (header.toString('latin1', 4, 8) === 'IEND') return undefined;
    at = end;
  }
  return `the file ends after ${size.toLocaleString('en-US')} bytes without the closing IEND chunk (cut short, e.g. by an interrupted copy)`;
}

function cutShort(size: number, needed: number, what: string): string {
  return (
    `the file has ${size.toLocaleString('en-US')} bytes but ${what} runs to byte ` +
    `${needed.toLocaleString('en-US')} (cut short, e.g. by an interrupted copy)`
  );
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** An unsigned integer of 2, 4 or 8 bytes (8-byte values beyond 2^53 are not real file offsets). */
function readUint(buffer: Buffer, at: number, bytes: number, little: boolean): number {
  if (at + bytes > buffer.length) return Number.MAX_SAFE_INTEGER;
  if (bytes === 2) return little ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at);
  if (bytes === 4) return little ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at);
  const value = little ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}
