/**
 * Joining JPEGs of horizontal bands of one image into one JPEG of the whole image, without
 * decoding: baseline JPEG codes each MCU (16×16 pixels with 4:2:0 chroma, 8×8 for grey) on its own
 * except for the DC predictions, which a restart marker resets. Bands whose height is a multiple of
 * the MCU height, encoded with the same settings (same quantisation and, without optimised coding,
 * the standard Huffman tables), are therefore the entropy-coded segments of the whole image with a
 * restart interval of one band: the joined file decodes to exactly the pixels of a whole encode.
 */

/** Restart intervals are 16-bit MCU counts. */
const MAX_RESTART_INTERVAL = 0xffff;

/** MCU height and width in pixels for the JPEGs this worker writes (4:2:0 colour, or grey). */
function mcuSize(channels: number): number {
  return channels === 1 ? 8 : 16;
}

/**
 * Whether `joinJpegBands` can join bands of `bandRows` rows of an image `width` wide (every band
 * but the last must be exactly that high).
 */
export function canJoinJpegBands(width: number, bandRows: number, channels: number): boolean {
  const mcu = mcuSize(channels);
  return bandRows % mcu === 0 && Math.ceil(width / mcu) * (bandRows / mcu) <= MAX_RESTART_INTERVAL;
}

interface Parsed {
  /** Everything before the start-of-scan segment, with the frame height set to 0. */
  readonly header: Buffer;
  /** Offset of the frame height in `header`. */
  readonly heightAt: number;
  /** The start-of-scan segment. */
  readonly scanHeader: Buffer;
  /** The entropy-coded data (without the end-of-image marker). */
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  /** MCU width and height from the frame's sampling factors. */
  readonly mcuWidth: number;
  readonly mcuHeight: number;
}

function parse(jpeg: Buffer, band: number): Parsed {
  const fail = (what: string): Error => new Error(`Expected a baseline JPEG for band ${band} but ${what}`);
  if (jpeg.length < 4 || jpeg.readUInt16BE(0) !== 0xffd8) throw fail('it does not start with SOI');
  if (jpeg.readUInt16BE(jpeg.length - 2) !== 0xffd9) throw fail('it does not end with EOI');
  let at = 2;
  let frame: { heightAt: number; width: number; height: number; mcuWidth: number; mcuHeight: number } | undefined;
  while (at + 4 <= jpeg.length) {
    const marker = jpeg.readUInt16BE(at);
    const length = jpeg.readUInt16BE(at + 2);
    if (marker === 0xffdd) throw fail('it already has a restart interval');
    if (marker === 0xffc0) {
      const components = jpeg.readUInt8(at + 9);
      let h = 1;
      let v = 1;
      for (let index = 0; index < components; index++) {
        const sampling = jpeg.readUInt8(at + 11 + index * 3);
        h = Math.max(h, sampling >> 4);
        v = Math.max(v, sampling & 15);
      }
      frame = {
        heightAt: at + 5,
        height: jpeg.readUInt16BE(at + 5),
        width: jpeg.readUInt16BE(at + 7),
        mcuWidth: 8 * h,
        mcuHeight: 8 * v,
      };
    } else if ((marker & 0xfff0) === 0xffc0 && marker !== 0xffc4 && marker !== 0xffcc) {
      throw fail(`it has frame marker ${marker.toString(16)}`);
    }
    if (marker === 0xffda) {
      if (frame === undefined) throw fail('it has no baseline frame header');
      const header = Buffer.from(jpeg.subarray(0, at));
      header.writeUInt16BE(0, frame.heightAt);
      return {
        header,
        scanHeader: jpeg.subarray(at, at + 2 + length),
        data: jpeg.subarray(at + 2 + length, jpeg.length - 2),
        ...frame,
      };
    }
    at += 2 + length;
  }
  throw fail('it has no scan');
}

/**
 * One JPEG of the whole image from the JPEGs of its bands, top to bottom: each band `bandRows`
 * high except the last (see `canJoinJpegBands`), all the same width and encoded with the same
 * settings.
 *
 * @throws when the bands do not fit together (other settings, sizes or JPEG kinds)
 */
export function joinJpegBands(bands: readonly Buffer[], bandRows: number): Buffer {
  const parsed = bands.map(parse);
  const first = parsed[0];
  if (first === undefined) throw new Error('Expected at least one band to join');
  let height = 0;
  parsed.forEach((band, index) => {
    const last = index === parsed.length - 1;
    if (!band.header.equals(first.header) || !band.scanHeader.equals(first.scanHeader)) {
      throw new Error(`Expected band ${index} to be encoded like band 0 (same width, tables and components)`);
    }
    if (last ? band.height > bandRows : band.height !== bandRows) {
      throw new Error(`Expected band ${index} to be ${bandRows} rows high but it is ${band.height}`);
    }
    height += band.height;
  });
  if (bandRows % first.mcuHeight !== 0) {
    throw new Error(`Expected bands a multiple of ${first.mcuHeight} rows high but they are ${bandRows}`);
  }
  const interval = Math.ceil(first.width / first.mcuWidth) * (bandRows / first.mcuHeight);
  if (interval > MAX_RESTART_INTERVAL) {
    throw new Error(`Expected at most ${MAX_RESTART_INTERVAL} MCUs per band but there are ${interval}`);
  }
  if (height > 0xffff) throw new Error(`Expected a JPEG at most 65535 rows high but it would be ${height}`);
  const header = Buffer.from(first.header);
  header.writeUInt16BE(height, first.heightAt);
  const restartInterval = Buffer.from([0xff, 0xdd, 0x00, 0x04, interval >> 8, interval & 0xff]);
  const parts: Buffer[] = [header, restartInterval, first.scanHeader];
  parsed.forEach((band, index) => {
    if (index > 0) parts.push(Buffer.from([0xff, 0xd0 + ((index - 1) % 8)]));
    parts.push(band.data);
  });
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}
