import type { JsonBytes } from '../util/json-bytes.js';
import { NumberColumn } from './number-column.js';

/** Bytes of each buffer the arena fills: the longest text it holds (S3 keys are at most 1,024). */
export const ARENA_CHUNK_BYTES = 1 << 20;
/** The arena's positions are 32-bit: 2 GiB of text, far above a million keys' worth. */
const MAX_BYTES = 2 ** 31 - 1;

/**
 * Many short strings (file names, ETags) as UTF-8 in buffers of `ARENA_CHUNK_BYTES`, each read
 * back as a fresh string. A million listed keys kept as JavaScript strings cost about 200 MB (and a
 * string cut from a listing response can keep the whole response alive); here they cost their
 * bytes and 4 more. The arena grows a buffer at a time, so it never copies what it holds nor keeps
 * more than one buffer's slack. While every string is ASCII (almost every key and ETag) they are
 * read as Latin-1, the same bytes at a fraction of the cost of UTF-8's decoder.
 *
 * Each text's end is kept; a text that does not fit in the rest of a buffer starts the next one,
 * so a text starts where the one before it ends unless that is in an earlier buffer than its end.
 */
export class TextArena {
  private readonly chunks: Buffer[] = [];
  private used = 0;
  private ascii = true;
  private readonly ends = new NumberColumn('int32');
  /** The last text `locate` found: its buffer, and where it starts and ends there. */
  private found: Buffer = Buffer.alloc(0);
  private from = 0;
  private to = 0;

  /** Store `text`; returns its id (0, 1, 2 … in order of adding). */
  public add(text: string): number {
    // Most texts are short and ASCII: copied here a character a byte, which costs less than calling
    // the encoder; the first other character sends the text to `Buffer.write` as UTF-8.
    const chunk = this.room(text.length);
    const bytes = this.chunks[Math.floor(chunk / ARENA_CHUNK_BYTES)];
    const at = chunk % ARENA_CHUNK_BYTES;
    let length = 0;
    if (bytes !== undefined) {
      while (length < text.length) {
        const code = text.charCodeAt(length);
        if (code > 127) break;
        bytes[at + length++] = code;
      }
    }
    if (length < text.length) return this.addUtf8(text);
    return this.end(chunk + length);
  }

  /** Where `length` more bytes fit: the end of the last text, or the start of a new buffer. */
  private room(length: number): number {
    if (length > ARENA_CHUNK_BYTES) {
      throw new RangeError(`Expected a text of at most ${ARENA_CHUNK_BYTES} bytes but received ${length}`);
    }
    let start = this.used;
    if (length > 0 && (start % ARENA_CHUNK_BYTES) + length > ARENA_CHUNK_BYTES) {
      start = (Math.floor(start / ARENA_CHUNK_BYTES) + 1) * ARENA_CHUNK_BYTES;
    }
    if (start + length > MAX_BYTES) throw new RangeError(`A text arena holds at most ${MAX_BYTES} bytes`);
    if (length > 0 && Math.floor(start / ARENA_CHUNK_BYTES) === this.chunks.length) {
      this.chunks.push(Buffer.allocUnsafe(ARENA_CHUNK_BYTES));
    }
    return start;
  }

  private addUtf8(text: string): number {
    const length = Buffer.byteLength(text);
    const start = this.room(length);
    this.chunks[Math.floor(start / ARENA_CHUNK_BYTES)]?.write(text, start % ARENA_CHUNK_BYTES, 'utf8');
    this.ascii = false;
    return this.end(start + length);
  }

  private end(end: number): number {
    this.used = end;
    this.ends.push(end);
    return this.ends.length - 1;
  }

  public get length(): number {
    return this.ends.length;
  }

  public get(id: number): string {
    if (!this.locate(id)) return '';
    return this.found.toString(this.ascii ? 'latin1' : 'utf8', this.from, this.to);
  }

  /**
   * Write text `id` to `out` as a JSON string, from its bytes (no string is made). With `stem`, only
   * up to its last `.` when that is not its first character (a file name without its extension);
   * `suffix` (ASCII) is added at the end.
   */
  public writeJson(id: number, out: JsonBytes, stem = false, suffix = ''): void {
    if (!this.locate(id)) {
      out.utf8(this.found, 0, 0, suffix);
      return;
    }
    let to = this.to;
    if (stem) {
      let dot = to - 1;
      while (dot > this.from && this.found[dot] !== 0x2e) dot--;
      if (dot > this.from) to = dot;
    }
    out.utf8(this.found, this.from, to, suffix);
  }

  /** Point `found`, `from` and `to` at text `id`'s bytes; `false` when it is empty. */
  private locate(id: number): boolean {
    const end = this.ends.get(id);
    const previous = id === 0 ? 0 : this.ends.get(id - 1);
    if (end === previous) return false;
    const chunk = Math.floor((end - 1) / ARENA_CHUNK_BYTES);
    const offset = chunk * ARENA_CHUNK_BYTES;
    this.found = this.chunks[chunk] as Buffer;
    this.from = Math.max(previous, offset) - offset;
    this.to = end - offset;
    return true;
  }
}
