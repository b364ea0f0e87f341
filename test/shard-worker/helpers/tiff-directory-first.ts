/**
 * The same single-page, striped, little-endian classic TIFF laid out as Pillow and most scanner
 * software write it: header, directory and its values first, then the strips. (libvips writes the
 * directory last, so cutting its files short loses the directory; cutting these loses strips only,
 * which libvips merely warns about.)
 */
export function tiffDirectoryFirst(tiff: Buffer): Buffer {
  if (tiff.toString('latin1', 0, 2) !== 'II' || tiff.readUInt16LE(2) !== 42) {
    throw new Error('Expected a little-endian classic TIFF');
  }
  const ifd = tiff.readUInt32LE(4);
  const count = tiff.readUInt16LE(ifd);
  const typeBytes: Record<number, number> = {
    1: 1,
    2: 1,
    3: 2,
    4: 4,
    5: 8,
    6: 1,
    7: 1,
    8: 2,
    9: 4,
    10: 8,
    11: 4,
    12: 8,
  };
  const entries = Array.from({ length: count }, (_, index) => {
    const at = ifd + 2 + index * 12;
    const tag = tiff.readUInt16LE(at);
    const type = tiff.readUInt16LE(at + 2);
    const values = tiff.readUInt32LE(at + 4);
    const bytes = values * (typeBytes[type] ?? 1);
    const data =
      bytes <= 4
        ? tiff.subarray(at + 8, at + 12)
        : tiff.subarray(tiff.readUInt32LE(at + 8), tiff.readUInt32LE(at + 8) + bytes);
    return { tag, type, values, bytes, data: Buffer.from(data) };
  });
  const field = (tag: number) => {
    const entry = entries.find((candidate) => candidate.tag === tag);
    if (entry === undefined || entry.type !== 4) throw new Error(`Expected LONG values of tag ${tag}`);
    return Array.from({ length: entry.values }, (_, index) => entry.data.readUInt32LE(index * 4));
  };
  const offsets = field(273);
  const counts = field(279);

  const directoryBytes = 2 + count * 12 + 4;
  let next = 8 + directoryBytes;
  const outOfLine = entries.map((entry) => {
    if (entry.bytes <= 4) return undefined;
    const at = next + (next % 2);
    next = at + entry.bytes;
    return at;
  });
  let dataAt = next + (next % 2);
  const newOffsets = counts.map((bytes) => {
    const at = dataAt;
    dataAt += bytes;
    return at;
  });
  const out = Buffer.alloc(dataAt);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(count, 8);
  entries.forEach((entry, index) => {
    const at = 10 + index * 12;
    out.writeUInt16LE(entry.tag, at);
    out.writeUInt16LE(entry.type, at + 2);
    out.writeUInt32LE(entry.values, at + 4);
    const data = entry.tag === 273 ? Buffer.from(Uint32Array.from(newOffsets).buffer) : entry.data;
    const place = outOfLine[index];
    if (place === undefined) data.copy(out, at + 8);
    else {
      out.writeUInt32LE(place, at + 8);
      data.copy(out, place);
    }
  });
  out.writeUInt32LE(0, 10 + count * 12);
  counts.forEach((bytes, index) => {
    const from = offsets[index] as number;
    tiff.copy(out, newOffsets[index] as number, from, from + bytes);
  });
  return out;
}
