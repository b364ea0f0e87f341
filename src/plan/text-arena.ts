import { NumberColumn } from './number-column.js';

/** The arena's ends are 32-bit: 2 GiB of text, far above a million keys' worth. */
const MAX_BYTES = 2 ** 31 - 1;

/**
 * Many short strings (file names, ETags) in one growing UTF-8 buffer, each read back as a fresh
 * string. A million listed keys kept as JavaScript strings cost about 200 MB (and a string cut from
 * a listing response can keep the whole response alive); here they cost their bytes. While every
 * string is ASCII (almost every key and ETag) they are written and read as Latin-1, which is the
 * same bytes and several times cheaper than UTF-8's encoder for short strings.
 */
export class TextArena {
  private bytes = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private ascii = true;
  private readonly ends = new NumberColumn('int32');

  /** Store `text`; returns its id (0, 1, 2 … in order of adding). */
  public add(text: string): number {
    const length = Buffer.byteLength(text);
    if (this.used + length > MAX_BYTES) throw new RangeError(`A text arena holds at most ${MAX_BYTES} bytes`);
    if (this.used + length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + length));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    // UTF-8 as long as Latin-1: every character is ASCII.
    if (length === text.length) this.bytes.write(text, this.used, 'latin1');
    else {
      this.bytes.write(text, this.used, 'utf8');
      this.ascii = false;
    }
    this.used += length;
    this.ends.push(this.used);
    return this.ends.length - 1;
  }

  public get length(): number {
    return this.ends.length;
  }

  public get(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.ends.length) {
      throw new RangeError(`Expected a text id below ${this.ends.length} but received ${id}`);
    }
    return this.bytes.toString(this.ascii ? 'latin1' : 'utf8', id === 0 ? 0 : this.ends.get(id - 1), this.ends.get(id));
  }
}
