import { describe, expect, it } from 'vitest';
import { countPdfPages } from '../../src/plan/count-pdf-pages.js';
import type { ReadRange } from '../../src/plan/count-tiff-pages.js';
import { encryptedCopy, makePdf, type PdfPage } from '../helpers/pdf.js';

function reader(bytes: Buffer): { read: ReadRange; read_bytes: () => number } {
  let total = 0;
  return {
    read: async (start, length) => {
      const slice = bytes.subarray(start, start + length);
      total += slice.length;
      return slice;
    },
    read_bytes: () => total,
  };
}

const pages = (count: number): PdfPage[] =>
  Array.from({ length: count }, (_, index) => ({ width: 200, height: 300, colour: [index % 256, 0, 0] as const }));

describe('Function: countPdfPages', () => {
  it('counts pages through a cross-reference stream and object streams', async () => {
    // Prepare
    const pdf = await makePdf(pages(3));
    expect(pdf.toString('latin1')).toContain('/ObjStm');

    // Act & Assess
    expect(await countPdfPages(reader(pdf).read, pdf.length)).toBe(3);
  });

  it('counts pages through a classic xref table', async () => {
    // Prepare
    const pdf = await makePdf(pages(7), { classic: true });
    expect(pdf.toString('latin1')).toMatch(/\nxref\n/);

    // Act & Assess
    expect(await countPdfPages(reader(pdf).read, pdf.length)).toBe(7);
  });

  it('counts 500 pages reading a small part of the file', async () => {
    // Prepare
    const pdf = await makePdf(pages(500));
    const counted = reader(pdf);

    // Act
    const count = await countPdfPages(counted.read, pdf.length);

    // Assess
    expect(count).toBe(500);
    expect(counted.read_bytes()).toBeLessThan(pdf.length);
  });

  it('counts the pages of an incremental update (the newest section wins, older ones are followed)', async () => {
    // Prepare: append an update that replaces the page tree root with one claiming 9 pages.
    const base = await makePdf(pages(2), { classic: true });
    const text = base.toString('latin1');
    const root = /\/Root\s+(\d+)\s+0\s+R/.exec(text)?.[1];
    const catalog = new RegExp(`\\n${root} 0 obj\\s*<<[\\s\\S]*?/Pages\\s+(\\d+)\\s+0\\s+R`).exec(text)?.[1];
    const previous = /startxref\s+(\d+)/.exec(text)?.[1];
    const size = Number(/\/Size\s+(\d+)/.exec(text)?.[1]);
    const object = `${catalog} 0 obj\n<< /Type /Pages /Kids [] /Count 9 >>\nendobj\n`;
    const objectOffset = base.length;
    const xrefOffset = objectOffset + object.length;
    const update =
      `${object}xref\n${catalog} 1\n${String(objectOffset).padStart(10, '0')} 00000 n \n` +
      `trailer\n<< /Size ${size} /Root ${root} 0 R /Prev ${previous} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
    const updated = Buffer.concat([base, Buffer.from(update, 'latin1')]);

    // Act & Assess
    expect(await countPdfPages(reader(updated).read, updated.length)).toBe(9);
  });

  it('answers undefined for what it cannot read, never throws', async () => {
    // Prepare
    const pdf = await makePdf(pages(2));
    const text = Buffer.from('just some text, not a PDF');

    // Act & Assess
    expect(await countPdfPages(reader(text).read, text.length)).toBeUndefined();
    expect(await countPdfPages(reader(pdf.subarray(0, pdf.length - 200)).read, pdf.length - 200)).toBeUndefined();
    const encrypted = encryptedCopy(await makePdf(pages(4), { classic: true }));
    // The page tree of this one is not encrypted (only strings and streams are): it is counted.
    expect(await countPdfPages(reader(encrypted).read, encrypted.length)).toBe(4);
  });
});
