import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type GeneratedFormat, writePhotoLikeImage } from './photo-like-image.js';

export interface CollectionImage {
  /** Path under the collection folder: `{item}/{file}`. */
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly format: GeneratedFormat;
}

/**
 * A box of scans as libraries hold them (about 265 megapixels in 19 files): a few large TIFF masters
 * (40-48 MP LZW, striped and tiled), a 16-bit TIFF, many 5-18 MP camera JPEGs, a CMYK and a grey
 * JPEG, a PNG with transparency, a long 1600x11520 strip, a WebP and a 90x56 thumbnail PNG.
 */
export const MIXED_COLLECTION: readonly CollectionImage[] = [
  { path: 'Folder01/master-48mp.tif', width: 9216, height: 5184, format: 'tiff' },
  { path: 'Folder01/master-40mp-tiled.tif', width: 8000, height: 5000, format: 'tiff-tiled' },
  { path: 'Folder01/master-12mp-16bit.tif', width: 4000, height: 3000, format: 'tiff-16' },
  { path: 'Folder02/photo-18mp.jpg', width: 5184, height: 3456, format: 'jpeg' },
  { path: 'Folder02/photo-16mp.jpg', width: 4896, height: 3264, format: 'jpeg' },
  { path: 'Folder02/photo-16mp-b.jpg', width: 4928, height: 3280, format: 'jpeg' },
  { path: 'Folder02/photo-14mp.jpg', width: 4608, height: 3072, format: 'jpeg' },
  { path: 'Folder02/photo-12mp.jpg', width: 4032, height: 3024, format: 'jpeg' },
  { path: 'Folder02/photo-12mp-b.jpg', width: 4000, height: 3000, format: 'jpeg' },
  { path: 'Folder03/photo-10mp.jpg', width: 3648, height: 2736, format: 'jpeg' },
  { path: 'Folder03/photo-8mp.jpg', width: 3264, height: 2448, format: 'jpeg' },
  { path: 'Folder03/photo-6mp.jpg', width: 3000, height: 2000, format: 'jpeg' },
  { path: 'Folder03/photo-5mp.jpg', width: 2736, height: 1824, format: 'jpeg' },
  { path: 'Folder03/print-12mp-cmyk.jpg', width: 4000, height: 3000, format: 'jpeg-cmyk' },
  { path: 'Folder04/letter-10mp-grey.jpg', width: 3600, height: 2700, format: 'jpeg-grey' },
  { path: 'Folder04/cutout-4mp-alpha.png', width: 2400, height: 1800, format: 'png-alpha' },
  { path: 'Folder04/scroll-strip.jpg', width: 1600, height: 11520, format: 'jpeg' },
  { path: 'Folder04/web-6mp.webp', width: 3000, height: 2000, format: 'webp' },
  { path: 'Folder04/thumbnail.png', width: 90, height: 56, format: 'png' },
];

/**
 * Write the collection under `dir` (same pixels on every run: each image has its own seed) and a
 * metadata CSV with a row for the collection and each folder. Returns the written files' paths.
 */
export async function writeMixedCollection(dir: string, csvPath: string): Promise<string[]> {
  const paths: string[] = [];
  for (const [index, image] of MIXED_COLLECTION.entries()) {
    const path = join(dir, image.path);
    await mkdir(dirname(path), { recursive: true });
    await writePhotoLikeImage(path, image.width, image.height, image.format, 100 + index);
    paths.push(path);
  }
  const folders = [...new Set(MIXED_COLLECTION.map((image) => image.path.split('/')[0]))];
  const rows = ['identifier,title', 'Bench_Box,"Benchmark box"', ...folders.map((folder) => `${folder},"${folder}"`)];
  await mkdir(dirname(csvPath), { recursive: true });
  await writeFile(csvPath, `${rows.join('\n')}\n`);
  return paths;
}
