/** Reads up to `length` bytes from `start` of one file (fewer at its end). */
export type ReadRange = (start: number, length: number) => Promise<Buffer>;

/** The most pages counted in one file; a longer IFD chain (or a loop) is refused as broken. */
export const MAX_PAGES = 10_000;

/** Bytes read with the header: IFDs written up front (most scanners, libvips' tiles) need no second read. */
const FIRST_READ_BYTES = 64 * 1024;

const NEW_SUBFILE_TYPE = 254;
const IMAGE_WIDTH = 256;
const IMAGE_LENGTH = 257;

interface Directory {
  readonly width: number;
  readonly height: number;
  /** NewSubfileType bit 0: a reduced-resolution version of another directory. */
  readonly reduced: boolean;
}

/**
 * The number of pages of a TIFF (classic or BigTIFF), from its header and image file directories
 * only: one small ranged read for the header and every directory it holds, one more for each
 * directory stored elsewhere (libtiff writes a page's directory after its pixels). A resolution
 * pyramid (every later directory flagged reduced-resolution or smaller than the one before) is one
 * page: its levels are not pages.
 *
 * @returns the page count, or `undefined` when the bytes are not a well-formed TIFF (the worker
 *   then reports what is wrong when it decodes the file)
 */
export async function countTiffPages(read: ReadRange): Promise<number | undefined> {
  let chunk = await read(0, FIRST_READ_BYTES);
  let chunkStart = 0;
  if (chunk.length < 8) return undefined;
  const order = chunk.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const u16 = (buffer: Buffer, at: number): number => (little ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at));
  const u32 = (buffer: Buffer, at: number): number => (little ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at));
  const u64 = (buffer: Buffer, at: number): number =>
    Number(little ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at));
  const version = u16(chunk, 2);
  if (version !== 42 && version !== 43) return undefined;
  const big = version === 43;
  const countBytes = big ? 8 : 2;
  const entryBytes = big ? 20 : 12;
  const offsetBytes = big ? 8 : 4;

  const bytesAt = async (offset: number, length: number): Promise<Buffer | undefined> => {
    if (offset < chunkStart || offset + length > chunkStart + chunk.length) {
      chunk = await read(offset, Math.max(length, 4096));
      chunkStart = offset;
    }
    const at = offset - chunkStart;
    return at + length <= chunk.length ? chunk.subarray(at, at + length) : undefined;
  };

  const directories: Directory[] = [];
  const seen = new Set<number>();
  let offset = big ? u64(chunk, 8) : u32(chunk, 4);
  while (offset !== 0) {
    if (seen.has(offset) || directories.length >= MAX_PAGES) return undefined;
    seen.add(offset);
    const countField = await bytesAt(offset, countBytes);
    if (countField === undefined) return undefined;
    const entries = big ? u64(countField, 0) : u16(countField, 0);
    if (entries > 4096) return undefined;
    const body = await bytesAt(offset, countBytes + entries * entryBytes + offsetBytes);
    if (body === undefined) return undefined;
    let width = 0;
    let height = 0;
    let reduced = false;
    for (let index = 0; index < entries; index++) {
      const at = countBytes + index * entryBytes;
      const tag = u16(body, at);
      const type = u16(body, at + 2);
      // SHORT (3) values sit in the first two bytes of the value field, LONG (4) in four, LONG8 (16) in eight.
      const valueAt = at + 4 + (big ? 8 : 4);
      const value = type === 3 ? u16(body, valueAt) : type === 16 ? u64(body, valueAt) : u32(body, valueAt);
      if (tag === IMAGE_WIDTH) width = value;
      else if (tag === IMAGE_LENGTH) height = value;
      else if (tag === NEW_SUBFILE_TYPE) reduced = (value & 1) === 1;
    }
    directories.push({ width, height, reduced });
    const nextAt = countBytes + entries * entryBytes;
    offset = big ? u64(body, nextAt) : u32(body, nextAt);
  }
  if (directories.length === 0) return undefined;
  return isPyramid(directories) ? 1 : directories.length;
}

function isPyramid(directories: readonly Directory[]): boolean {
  if (directories.length < 2) return false;
  return directories.slice(1).every((directory, index) => {
    const previous = directories[index] as Directory;
    return directory.reduced || (directory.width < previous.width && directory.height < previous.height);
  });
}
