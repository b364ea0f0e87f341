import { PDFDocument, rgb } from 'pdf-lib';

export interface PdfPage {
  /** Page size in points (1/72 inch). */
  readonly width: number;
  readonly height: number;
  /** The page's fill colour, 0–255 per channel. */
  readonly colour: readonly [number, number, number];
}

/**
 * A PDF whose pages are each filled with one colour (vector content), with pdf-lib. By default
 * with a cross-reference stream and object streams (as most current writers); `classic` writes a
 * plain `xref` table and no object streams.
 */
export async function makePdf(pages: readonly PdfPage[], options: { classic?: boolean } = {}): Promise<Buffer> {
  const document = await PDFDocument.create();
  for (const { width, height, colour } of pages) {
    const page = document.addPage([width, height]);
    page.drawRectangle({
      x: 0,
      y: 0,
      width,
      height,
      color: rgb(colour[0] / 255, colour[1] / 255, colour[2] / 255),
    });
  }
  return Buffer.from(await document.save({ useObjectStreams: options.classic !== true }));
}

/**
 * A copy of a classic-table PDF that claims Standard security with a user password (the `/U`
 * entry matches no password, so it cannot be opened without one).
 */
export function encryptedCopy(classicPdf: Buffer): Buffer {
  const text = classicPdf.toString('latin1');
  const hex = (byte: string): string => `<${byte.repeat(32)}>`;
  const encrypt = `/Encrypt << /Filter /Standard /V 1 /R 2 /O ${hex('ab')} /U ${hex('cd')} /P -4 >> /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]`;
  return Buffer.from(
    text.replace(/trailer\s*<</, (found) => `${found}\n${encrypt}\n`),
    'latin1',
  );
}
