import { join } from 'node:path';
import type { PlannedImage } from '../../run/run-records.js';
import type { Settings } from '../../task/settings.js';
import type { SourceWarning } from '../decode-source.js';
import { decodeJp2 } from './jp2.js';
import { renderPdfPage } from './pdf.js';

/** A file sharp reads, and which of its pages is the image. */
export interface ReadableSource {
  readonly path: string;
  /** The format sharp will find there (for messages). */
  readonly format: string;
  /** The page to decode (1-based), for multi-page files sharp reads itself. */
  readonly page?: number;
  /** Whether `path` is a working file made here (removed with the working folder). */
  readonly converted: boolean;
  /** What the run's warnings must say about the conversion. */
  readonly warnings: readonly SourceWarning[];
}

/**
 * The source as a file sharp can read. Formats libvips reads (JPEG, TIFF, PNG, WebP, GIF) are used
 * as they are; JPEG 2000 is first decoded, and a PDF page rendered at `PDF_DPI` (its longest side
 * at most `FULL_MAX_SIZE`), into an uncompressed TIFF in `workDir`.
 *
 * @throws {ImageFailure} when the source cannot be converted (with the reason)
 */
export async function readableSource(
  sourcePath: string,
  workDir: string,
  image: Pick<PlannedImage, 'format' | 'page'>,
  settings: Pick<Settings, 'pdfDpi' | 'fullMaxSize'>,
): Promise<ReadableSource> {
  if (image.format === 'jp2') {
    const path = join(workDir, 'decoded-jp2.tif');
    await decodeJp2(sourcePath, path);
    return { path, format: 'tiff', converted: true, warnings: [] };
  }
  if (image.format === 'pdf') {
    const path = join(workDir, 'rendered-pdf.tif');
    const page = image.page ?? 1;
    const rendered = await renderPdfPage(sourcePath, path, {
      page,
      dpi: settings.pdfDpi,
      maxSide: settings.fullMaxSize,
    });
    const warnings: SourceWarning[] = [];
    if (image.page === undefined && rendered.pages > 1) {
      // The submitter could not count the pages from the file's cross-reference data.
      warnings.push({
        code: 'source-pages-ignored',
        message: `PDF of ${rendered.pages} pages whose pages the plan could not count: page 1 of ${rendered.pages} used`,
      });
    }
    if (rendered.dpi < settings.pdfDpi) {
      warnings.push({
        code: 'pdf-resolution-capped',
        message: `PDF page ${page} rendered at ${Math.floor(rendered.dpi)} dpi, not ${settings.pdfDpi}: at ${settings.pdfDpi} dpi its longest side would exceed FULL_MAX_SIZE (${settings.fullMaxSize} pixels)`,
      });
    }
    return { path, format: 'tiff', converted: true, warnings };
  }
  return {
    path: sourcePath,
    format: image.format,
    ...(image.page === undefined ? {} : { page: image.page }),
    converted: false,
    warnings: [],
  };
}
