import { readFile, rm } from 'node:fs/promises';
import { type PDFiumDocument, PDFiumLibrary, type PDFiumPage } from '@hyzyla/pdfium';
import { errorMessage } from '../../errors.js';
import { MAX_INPUT_PIXELS } from '../decode-source.js';
import { ImageFailure } from '../image-failure.js';
import { RawTiffWriter } from './write-raw-tiff.js';

/**
 * PDF pages rendered with PDFium compiled to WebAssembly (`@hyzyla/pdfium`, MIT; PDFium itself
 * BSD-3-Clause/Apache-2.0) into an uncompressed 8-bit RGB TIFF on a white background, in strips of
 * bounded memory, which the common decode then reads like any TIFF.
 */

/** Most bytes of one rendered strip (RGBx): a page larger than this is rendered strip by strip. */
export const PDF_STRIP_BYTES = 64 * 1024 * 1024;

/** PDFium's render flags: annotations (form appearances, stamps) and RGBA byte order. */
const FPDF_ANNOT = 0x01;
const FPDF_REVERSE_BYTE_ORDER = 0x10;

/** The parts of PDFium's C API the strip renderer calls (the wrapper renders whole pages only). */
interface PdfiumApi {
  _FPDFBitmap_Create(width: number, height: number, alpha: number): number;
  _FPDFBitmap_FillRect(bitmap: number, left: number, top: number, width: number, height: number, colour: number): void;
  _FPDFBitmap_GetBuffer(bitmap: number): number;
  _FPDFBitmap_GetStride(bitmap: number): number;
  _FPDFBitmap_Destroy(bitmap: number): void;
  _FPDF_RenderPageBitmap(
    bitmap: number,
    page: number,
    startX: number,
    startY: number,
    sizeX: number,
    sizeY: number,
    rotate: number,
    flags: number,
  ): void;
  _FPDF_GetPageWidthF(page: number): number;
  _FPDF_GetPageHeightF(page: number): number;
  _FPDF_ClosePage(page: number): void;
  readonly HEAPU8: Uint8Array;
}

let library: Promise<PDFiumLibrary> | undefined;

/** One PDFium instance per process, created on first use. */
function pdfium(): Promise<PDFiumLibrary> {
  library ??= PDFiumLibrary.init();
  return library;
}

export interface PdfRenderOptions {
  /** The page to render, 1-based. */
  readonly page: number;
  /** Dots per inch (PDF_DPI). */
  readonly dpi: number;
  /** The longest side in pixels at most (FULL_MAX_SIZE): larger pages are rendered smaller. */
  readonly maxSide: number;
  /** Most bytes of one rendered strip. Default `PDF_STRIP_BYTES`. */
  readonly stripBytes?: number;
}

export interface RenderedPdfPage {
  readonly width: number;
  readonly height: number;
  /** How many pages the document has. */
  readonly pages: number;
  /** The resolution the page was rendered at (below `dpi` when capped by `maxSide`). */
  readonly dpi: number;
}

/**
 * Render one page of a PDF into an uncompressed RGB TIFF at `outputPath`.
 *
 * @throws {ImageFailure} for an encrypted, broken or empty PDF, a page it does not have, or a page
 *   larger than `MAX_INPUT_PIXELS` even when capped
 */
export async function renderPdfPage(
  sourcePath: string,
  outputPath: string,
  options: PdfRenderOptions,
): Promise<RenderedPdfPage> {
  const bytes = await readFile(sourcePath);
  const lib = await pdfium();
  let document: PDFiumDocument;
  try {
    document = await lib.loadDocument(bytes);
  } catch (error) {
    throw new ImageFailure(pdfOpenFailure(error, bytes), { cause: error });
  }
  try {
    const pages = document.getPageCount();
    if (pages === 0) throw new ImageFailure('broken PDF: it has no pages');
    if (options.page > pages) throw new ImageFailure(`page ${options.page} not found: the PDF has ${pages} pages`);
    let page: PDFiumPage;
    try {
      page = document.getPage(options.page - 1);
    } catch (error) {
      throw new ImageFailure(`broken PDF: page ${options.page} cannot be read: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    const { module, pageIdx } = page as unknown as { module: PdfiumApi; pageIdx: number };
    try {
      return { ...(await renderPage(module, pageIdx, outputPath, options)), pages };
    } finally {
      module._FPDF_ClosePage(pageIdx);
    }
  } finally {
    document.destroy();
  }
}

async function renderPage(
  api: PdfiumApi,
  page: number,
  outputPath: string,
  options: PdfRenderOptions,
): Promise<Omit<RenderedPdfPage, 'pages'>> {
  const points = { width: api._FPDF_GetPageWidthF(page), height: api._FPDF_GetPageHeightF(page) };
  if (!(points.width > 0 && points.height > 0)) throw new ImageFailure('broken PDF: the page has no size');
  const longest = (Math.max(points.width, points.height) * options.dpi) / 72;
  const dpi = longest > options.maxSide ? (options.dpi * options.maxSide) / longest : options.dpi;
  const width = Math.max(1, Math.round((points.width * dpi) / 72));
  const height = Math.max(1, Math.round((points.height * dpi) / 72));
  if (width * height > MAX_INPUT_PIXELS) {
    throw new ImageFailure(
      `page too large: ${width}x${height} at ${Math.round(dpi)} dpi is more than a worker accepts`,
    );
  }
  const stripBytes = options.stripBytes ?? PDF_STRIP_BYTES;
  const stripRows = Math.max(1, Math.min(height, Math.floor(stripBytes / (width * 4))));
  const writer = await RawTiffWriter.create(outputPath, { width, height, channels: 3, bitsPerSample: 8 });
  const bitmap = api._FPDFBitmap_Create(width, stripRows, 0);
  try {
    if (bitmap === 0) throw new ImageFailure(`page too large to render: ${width}x${stripRows} bitmap not allocated`);
    const rgb = Buffer.alloc(width * stripRows * 3);
    for (let top = 0; top < height; top += stripRows) {
      const rows = Math.min(stripRows, height - top);
      api._FPDFBitmap_FillRect(bitmap, 0, 0, width, stripRows, 0xffffffff);
      // The whole page is placed `top` rows up, so this strip of it lands in the bitmap.
      api._FPDF_RenderPageBitmap(bitmap, page, 0, -top, width, height, 0, FPDF_ANNOT | FPDF_REVERSE_BYTE_ORDER);
      const buffer = api._FPDFBitmap_GetBuffer(bitmap);
      const stride = api._FPDFBitmap_GetStride(bitmap);
      const heap = api.HEAPU8;
      for (let row = 0; row < rows; row++) {
        let from = buffer + row * stride;
        let to = row * width * 3;
        for (let x = 0; x < width; x++, from += 4, to += 3) {
          rgb[to] = heap[from] ?? 255;
          rgb[to + 1] = heap[from + 1] ?? 255;
          rgb[to + 2] = heap[from + 2] ?? 255;
        }
      }
      await writer.writeRows(rgb.subarray(0, rows * width * 3));
    }
    await writer.close();
  } catch (error) {
    await writer.abandon();
    await rm(outputPath, { force: true });
    throw error;
  } finally {
    if (bitmap !== 0) api._FPDFBitmap_Destroy(bitmap);
  }
  return { width, height, dpi };
}

function pdfOpenFailure(error: unknown, bytes: Buffer): string {
  const message = errorMessage(error);
  if (/password|security/i.test(message)) {
    return `encrypted PDF: ${message}; publish an unprotected copy`;
  }
  if (!bytes.subarray(0, 1024).toString('latin1').includes('%PDF-')) return 'not a PDF: no %PDF- header';
  return `broken PDF: ${message}`;
}
