import type { JsonBytes } from '../util/json-bytes.js';
import { stem } from './image-names.js';
import { NumberColumn } from './number-column.js';
import { TextArena } from './text-arena.js';

/**
 * The image names of a plan, in image order, kept only where they differ from the name their file
 * gives: its file name without the extension, with `_p<page>` for a page of a multi-page file.
 * That is the name `imageNames` and `pageNames` give almost every image, so a million names cost
 * next to nothing instead of their text; the others are kept as text, found by a binary search.
 */
export class ImageNameColumn {
  /** Images whose name is not their file's, in increasing order, and their names at the same index. */
  private readonly images = new NumberColumn('int32');
  private readonly names = new TextArena();
  private count = 0;

  /** @param fileNames the names of the files the images are (or are pages of) */
  public constructor(private readonly fileNames: TextArena) {}

  public get length(): number {
    return this.count;
  }

  /** Add the next image's name: of file `fileName` (its text), page `page` (0 for a file of one page). */
  public push(name: string, fileName: string, page: number): void {
    if (!isFileImageName(name, fileName, page)) {
      this.images.push(this.count);
      this.names.add(name);
    }
    this.count++;
  }

  /** The name of image `index`, of file `file` (an id of `fileNames`), page `page` (0 for none). */
  public get(index: number, file: number, page: number): string {
    const other = this.other(index);
    return other < 0 ? fileImageName(this.fileNames.get(file), page) : this.names.get(other);
  }

  /** As `get`, given the name of the file (which a caller that holds it need not have read again). */
  public ofFile(index: number, fileName: string, page: number): string {
    const other = this.other(index);
    return other < 0 ? fileImageName(fileName, page) : this.names.get(other);
  }

  /** Write the name of image `index` to `out` as a JSON string (arguments as for `get`). */
  public writeJson(index: number, file: number, page: number, out: JsonBytes): void {
    const other = this.other(index);
    if (other < 0) this.fileNames.writeJson(file, out, true, page > 0 ? `_p${page}` : '');
    else this.names.writeJson(other, out);
  }

  /** Which kept name is image `index`'s, or -1 when its file gives it. */
  private other(index: number): number {
    let low = 0;
    let high = this.images.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const image = this.images.get(middle);
      if (image === index) return middle;
      if (image < index) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}

/** Whether `name` is `fileImageName(fileName, page)` (compared without making it). */
function isFileImageName(name: string, fileName: string, page: number): boolean {
  const dot = fileName.lastIndexOf('.');
  const stemLength = dot > 0 ? dot : fileName.length;
  if (page === 0) return name.length === stemLength && fileName.startsWith(name);
  const suffix = `_p${page}`;
  return (
    name.length === stemLength + suffix.length &&
    name.endsWith(suffix) &&
    name.startsWith(fileName.slice(0, stemLength))
  );
}

function fileImageName(fileName: string, page: number): string {
  return page > 0 ? `${stem(fileName)}_p${page}` : stem(fileName);
}
