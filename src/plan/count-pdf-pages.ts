import { inflateSync } from 'node:zlib';
import type { ReadRange } from './count-tiff-pages.js';

/** Bytes read from the end of the file to find `startxref`. */
const TAIL_BYTES = 2048;
/** Bytes read at an object's offset; more when its dictionary is longer. */
const OBJECT_BYTES = 4096;
/** The largest cross-reference stream or object stream read (compressed). */
const MAX_STREAM_BYTES = 64 * 1024 * 1024;
/** The most cross-reference sections followed through `/Prev` (incremental updates). */
const MAX_SECTIONS = 64;

type Entry = { readonly offset: number } | { readonly stream: number; readonly index: number } | null;

/**
 * The number of pages of a PDF from its cross-reference data, with a few small ranged reads and
 * no renderer: `startxref` in the last bytes, the cross-reference table or stream (following
 * `/Prev` of incremental updates), the catalog's `/Pages` and that node's `/Count`. Objects inside
 * compressed object streams are read by inflating the stream. What this does not understand
 * (encrypted object streams, broken cross-references) gives `undefined`: the file is then planned
 * as one image and the worker, which opens it properly, reports the rest.
 *
 * @param size the file's size in bytes
 */
export async function countPdfPages(read: ReadRange, size: number): Promise<number | undefined> {
  try {
    return await new PdfReader(read, size).pageCount();
  } catch {
    return undefined;
  }
}

class PdfReader {
  private readonly sections: Map<number, Entry>[] = [];
  private trailer = '';

  public constructor(
    private readonly read: ReadRange,
    private readonly size: number,
  ) {}

  public async pageCount(): Promise<number | undefined> {
    const tailStart = Math.max(0, this.size - TAIL_BYTES);
    const tail = (await this.read(tailStart, this.size - tailStart)).toString('latin1');
    const found = [...tail.matchAll(/startxref\s+(\d+)/g)].at(-1);
    if (found === undefined) return undefined;
    let offset: number | undefined = Number(found[1]);
    const seen = new Set<number>();
    while (offset !== undefined && !seen.has(offset) && seen.size < MAX_SECTIONS) {
      seen.add(offset);
      offset = await this.readSection(offset);
    }
    const root = reference(this.trailer, 'Root');
    if (root === undefined) return undefined;
    const catalog = await this.object(root);
    const pages = catalog === undefined ? undefined : reference(catalog, 'Pages');
    if (pages === undefined) return undefined;
    const node = await this.object(pages);
    const count = node === undefined ? undefined : /\/Count\s+(\d+)/.exec(node)?.[1];
    return count === undefined ? undefined : Number(count);
  }

  /** Read one cross-reference section; returns the offset of the previous one (`/Prev`), if any. */
  private async readSection(offset: number): Promise<number | undefined> {
    const head = (await this.read(offset, 64)).toString('latin1');
    if (head.startsWith('xref')) return this.readTable(offset);
    const text = await this.objectText(offset);
    if (text === undefined || !/\/Type\s*\/XRef/.test(text.dictionary)) return undefined;
    const entries = new Map<number, Entry>();
    const data = await this.streamData(offset, text);
    const widths = numbers(/\/W\s*\[([^\]]*)\]/.exec(text.dictionary)?.[1] ?? '');
    const size = Number(/\/Size\s+(\d+)/.exec(text.dictionary)?.[1] ?? '0');
    const index = numbers(/\/Index\s*\[([^\]]*)\]/.exec(text.dictionary)?.[1] ?? `0 ${size}`);
    const [w1 = 1, w2 = 0, w3 = 0] = widths;
    const rowBytes = w1 + w2 + w3;
    let row = 0;
    for (let pair = 0; pair + 1 < index.length; pair += 2) {
      const first = index[pair] ?? 0;
      const count = index[pair + 1] ?? 0;
      for (let n = 0; n < count; n++, row++) {
        const at = row * rowBytes;
        if (at + rowBytes > data.length) break;
        const type = w1 === 0 ? 1 : field(data, at, w1);
        const second = field(data, at + w1, w2);
        const third = field(data, at + w1 + w2, w3);
        if (type === 1) entries.set(first + n, { offset: second });
        else if (type === 2) entries.set(first + n, { stream: second, index: third });
        else entries.set(first + n, null);
      }
    }
    this.sections.push(entries);
    if (this.trailer === '') this.trailer = text.dictionary;
    const previous = /\/Prev\s+(\d+)/.exec(text.dictionary)?.[1];
    return previous === undefined ? undefined : Number(previous);
  }

  /** A classic `xref` table: subsection headers and 20-byte entries, then `trailer << … >>`. */
  private async readTable(offset: number): Promise<number | undefined> {
    const entries = new Map<number, Entry>();
    let at = offset + 4;
    for (;;) {
      const chunk = (await this.read(at, 128)).toString('latin1');
      const header = /^\s*(\d+)\s+(\d+)[ \t]*\r?\n?/.exec(chunk);
      if (header === null) {
        const trailer = /^\s*trailer\s*(<<[\s\S]*)$/.exec(chunk);
        if (trailer === null) return undefined;
        const dictionary = await this.dictionaryAt(at + chunk.indexOf('<<'));
        if (this.trailer === '') this.trailer = dictionary;
        // A hybrid file's compressed objects are listed in the stream /XRefStm points at.
        const stream = /\/XRefStm\s+(\d+)/.exec(dictionary)?.[1];
        this.sections.push(entries);
        if (stream !== undefined) await this.readSection(Number(stream));
        const previous = /\/Prev\s+(\d+)/.exec(dictionary)?.[1];
        return previous === undefined ? undefined : Number(previous);
      }
      const first = Number(header[1]);
      const count = Number(header[2]);
      const start = at + header[0].length;
      // Entries are 20 bytes each (20 MB for a million objects, a bound no document comes near).
      if (count > 1_000_000) throw new Error('cross-reference table too large');
      if (count > 0) {
        const body = (await this.read(start, count * 20)).toString('latin1');
        for (let n = 0; n < count; n++) {
          const entry = body.slice(n * 20, n * 20 + 18);
          const match = /^(\d{10}) (\d{5}) ([nf])/.exec(entry);
          if (match === null) return undefined;
          entries.set(first + n, match[3] === 'n' ? { offset: Number(match[1]) } : null);
        }
      }
      at = start + count * 20;
    }
  }

  /** The text of object `number` (its dictionary, or its whole value), wherever it is stored. */
  private async object(number: number): Promise<string | undefined> {
    let entry: Entry | undefined;
    for (const section of this.sections) {
      if (section.has(number)) {
        entry = section.get(number);
        break;
      }
    }
    if (entry === undefined || entry === null) return undefined;
    if ('offset' in entry) return (await this.objectText(entry.offset))?.dictionary;
    const streamEntry = [...this.sections].map((section) => section.get(entry.stream)).find((found) => found);
    if (streamEntry === undefined || streamEntry === null || !('offset' in streamEntry)) return undefined;
    const text = await this.objectText(streamEntry.offset);
    if (text === undefined) return undefined;
    const data = (await this.streamData(streamEntry.offset, text)).toString('latin1');
    const first = Number(/\/First\s+(\d+)/.exec(text.dictionary)?.[1] ?? 'NaN');
    const count = Number(/\/N\s+(\d+)/.exec(text.dictionary)?.[1] ?? 'NaN');
    const pairs = numbers(data.slice(0, first));
    if (pairs.length < count * 2) return undefined;
    for (let n = 0; n < count; n++) {
      if (pairs[n * 2] !== number) continue;
      const start = first + (pairs[n * 2 + 1] ?? 0);
      const end = n + 1 < count ? first + (pairs[n * 2 + 3] ?? data.length) : data.length;
      return data.slice(start, end);
    }
    return undefined;
  }

  /** `N G obj <<…>>` at `offset`: the dictionary text and where its stream data would start. */
  private async objectText(offset: number): Promise<{ dictionary: string; end: number } | undefined> {
    const head = (await this.read(offset, 64)).toString('latin1');
    const match = /^\s*\d+\s+\d+\s+obj\s*/.exec(head);
    if (match === null) return undefined;
    const start = offset + match[0].length;
    if (!head.slice(match[0].length).startsWith('<<')) {
      // A value that is not a dictionary (a number): up to endobj.
      const value = (await this.read(start, 256)).toString('latin1');
      return { dictionary: value.split('endobj')[0] ?? value, end: start };
    }
    const dictionary = await this.dictionaryAt(start);
    return { dictionary, end: start + dictionary.length };
  }

  /** The balanced `<< … >>` dictionary starting at `offset`. */
  private async dictionaryAt(offset: number): Promise<string> {
    for (let length = OBJECT_BYTES; length <= 16 * OBJECT_BYTES; length *= 4) {
      const text = (await this.read(offset, length)).toString('latin1');
      let depth = 0;
      for (let at = 0; at + 1 < text.length; at++) {
        const pair = text.slice(at, at + 2);
        if (pair === '<<') {
          depth++;
          at++;
        } else if (pair === '>>') {
          depth--;
          at++;
          if (depth === 0) return text.slice(0, at + 1);
        }
      }
      if (text.length < length) break;
    }
    throw new Error('unterminated dictionary');
  }

  /** A stream's data, inflated and un-predicted when its dictionary says so. */
  private async streamData(offset: number, text: { dictionary: string; end: number }): Promise<Buffer> {
    const lengthReference = reference(text.dictionary, 'Length');
    const length =
      lengthReference === undefined
        ? Number(/\/Length\s+(\d+)/.exec(text.dictionary)?.[1] ?? 'NaN')
        : Number((await this.object(lengthReference))?.trim() ?? 'NaN');
    if (!Number.isInteger(length) || length <= 0 || length > MAX_STREAM_BYTES) throw new Error('bad stream length');
    const afterDictionary = (await this.read(text.end, 32)).toString('latin1');
    const keyword = /^\s*stream\r?\n/.exec(afterDictionary);
    if (keyword === null) throw new Error(`no stream at ${offset}`);
    const raw = await this.read(text.end + keyword[0].length, length);
    const filter = /\/Filter\s*\[?\s*\/(\w+)/.exec(text.dictionary)?.[1];
    if (filter !== undefined && filter !== 'FlateDecode') throw new Error(`unsupported filter ${filter}`);
    const data = filter === undefined ? raw : inflateSync(raw);
    const predictor = Number(/\/Predictor\s+(\d+)/.exec(text.dictionary)?.[1] ?? '1');
    if (predictor < 10) return data;
    const columns = Number(/\/Columns\s+(\d+)/.exec(text.dictionary)?.[1] ?? '1');
    return unpredictPng(data, columns);
  }
}

/** `/Key N G R` in a dictionary: the object number. */
function reference(dictionary: string, key: string): number | undefined {
  const match = new RegExp(`/${key}\\s+(\\d+)\\s+\\d+\\s+R`).exec(dictionary);
  return match === null ? undefined : Number(match[1]);
}

function numbers(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((part) => part !== '')
    .map(Number);
}

function field(data: Buffer, at: number, width: number): number {
  let value = 0;
  for (let n = 0; n < width; n++) value = value * 256 + (data[at + n] ?? 0);
  return value;
}

/** Undo PNG row predictors (None, Sub, Up, Average, Paeth) of a cross-reference stream. */
function unpredictPng(data: Buffer, columns: number): Buffer {
  const rows = Math.floor(data.length / (columns + 1));
  const out = Buffer.alloc(rows * columns);
  for (let row = 0; row < rows; row++) {
    const type = data[row * (columns + 1)] ?? 0;
    for (let column = 0; column < columns; column++) {
      const raw = data[row * (columns + 1) + 1 + column] ?? 0;
      const left = column > 0 ? (out[row * columns + column - 1] ?? 0) : 0;
      const up = row > 0 ? (out[(row - 1) * columns + column] ?? 0) : 0;
      const upLeft = row > 0 && column > 0 ? (out[(row - 1) * columns + column - 1] ?? 0) : 0;
      let predicted = 0;
      if (type === 1) predicted = left;
      else if (type === 2) predicted = up;
      else if (type === 3) predicted = Math.floor((left + up) / 2);
      else if (type === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      out[row * columns + column] = (raw + predicted) & 0xff;
    }
  }
  return out;
}
