import { join } from 'node:path';
import type { PlannedImage } from '../../run/run-records.js';
import { decodeJp2 } from './jp2.js';

/** A file sharp reads, and which of its pages is the image. */
export interface ReadableSource {
  readonly path: string;
  /** The format sharp will find there (for messages). */
  readonly format: string;
  /** The page to decode (1-based), for multi-page files sharp reads itself. */
  readonly page?: number;
  /** Whether `path` is a working file made here (removed with the working folder). */
  readonly converted: boolean;
}

/**
 * The source as a file sharp can read. Formats libvips reads (JPEG, TIFF, PNG, WebP, GIF) are used
 * as they are; JPEG 2000 is first decoded into an uncompressed TIFF in `workDir`.
 *
 * @throws {ImageFailure} when the source cannot be converted (with the reason)
 */
export async function readableSource(
  sourcePath: string,
  workDir: string,
  image: Pick<PlannedImage, 'format' | 'page'>,
): Promise<ReadableSource> {
  if (image.format === 'jp2') {
    const path = join(workDir, 'decoded-jp2.tif');
    await decodeJp2(sourcePath, path);
    return { path, format: 'tiff', converted: true };
  }
  return {
    path: sourcePath,
    format: image.format,
    ...(image.page === undefined ? {} : { page: image.page }),
    converted: false,
  };
}
