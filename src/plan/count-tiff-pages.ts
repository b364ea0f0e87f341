/** Reads up to `length` bytes from `start` of one file (fewer at its end). */
export type ReadRange = (start: number, length: number) => Promise<Buffer>;

/** The most pages counted in one file; a longer IFD chain (or a loop) is refused as broken. */
export const MAX_PAGES = 10_000;

/**
 * Bytes read with the header: a directory written up front (most scanners, libvips' tiles) needs no
 * second read; a directory is 2 + 12 bytes a tag + 4, a few hundred bytes. Kept small because the
 * submitter reads every TIFF of a task file: 16 KiB is 16 GB for a million TIFFs, 64 KiB was 64 GB.
 */
const FIRST_READ_BYTES = 16 * 1024;

const NEW_SUBFILE_TYPE = 254;
const IMAGE_WIDTH = 256;
const IMAGE_LENGTH = 257;

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
  const version = u16(chunk, 2, little);
  if (version !== 42 && version !== 43) return undefined;
  const big = version === 43;
  const countBytes = big ? 8 : 2;
  const entryBytes = big ? 20 : 12;
  const offsetBytes = big ? 8 : 4;

  let pages = 0;
  // Whether every directory after the first is a reduced-resolution level of the one before.
  let pyramid = true;
  let previousWidth = 0;
  let previousHeight = 0;
  // Directories read, to refuse a loop (made once there is a second directory: most TIFFs have one).
  let seen: Set<number> | undefined;
  let first = 0;
  let offset = big ? u64(chunk, 8, little) : u32(chunk, 4, little);
  while (offset !== 0) {
    if (pages === 0) first = offset;
    else {
      seen ??= new Set([first]);
      if (seen.has(offset) || pages >= MAX_PAGES) return undefined;
      seen.add(offset);
    }
    if (offset < chunkStart || offset + countBytes > chunkStart + chunk.length) {
      chunk = await read(offset, 4096);
      chunkStart = offset;
    }
    if (offset - chunkStart + countBytes > chunk.length) return undefined;
    const entries = big ? u64(chunk, offset - chunkStart, little) : u16(chunk, offset - chunkStart, little);
    if (entries > 4096) return undefined;
    const length = countBytes + entries * entryBytes + offsetBytes;
    if (offset + length > chunkStart + chunk.length) {
      chunk = await read(offset, Math.max(length, 4096));
      chunkStart = offset;
    }
    const at = offset - chunkStart;
    if (at + length > chunk.length) return undefined;
    let width = 0;
    let height = 0;
    let reduced = false;
    for (let index = 0; index < entries; index++) {
      const entry = at + countBytes + index * entryBytes;
      const tag = u16(chunk, entry, little);
      if (tag !== IMAGE_WIDTH && tag !== IMAGE_LENGTH && tag !== NEW_SUBFILE_TYPE) continue;
      const type = u16(chunk, entry + 2, little);
      // SHORT (3) values sit in the first two bytes of the value field, LONG (4) in four, LONG8 (16) in eight.
      const valueAt = entry + 4 + (big ? 8 : 4);
      const value =
        type === 3
          ? u16(chunk, valueAt, little)
          : type === 16
            ? u64(chunk, valueAt, little)
            : u32(chunk, valueAt, little);
      if (tag === IMAGE_WIDTH) width = value;
      else if (tag === IMAGE_LENGTH) height = value;
      else reduced = (value & 1) === 1;
    }
    if (pages > 0 && !reduced && !(width < previousWidth && height < previousHeight)) pyramid = false;
    previousWidth = width;
    previousHeight = height;
    pages++;
    const nextAt = at + countBytes + entries * entryBytes;
    offset = big ? u64(chunk, nextAt, little) : u32(chunk, nextAt, little);
  }
  if (pages === 0) return undefined;
  return pages > 1 && pyramid ? 1 : pages;
}

function u16(buffer: Buffer, at: number, little: boolean): number {
  return little ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at);
}

function u32(buffer: Buffer, at: number, little: boolean): number {
  return little ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at);
}

function u64(buffer: Buffer, at: number, little: boolean): number {
  return Number(little ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at));
}
