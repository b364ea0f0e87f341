/** Image shapes that have broken static IIIF tilers before, for table-driven tests. */
export interface ImageShape {
  readonly label: string;
  readonly width: number;
  readonly height: number;
}

export const IMAGE_SHAPES: readonly ImageShape[] = [
  { label: 'smaller than one tile', width: 300, height: 200 },
  { label: 'exactly one tile', width: 512, height: 512 },
  { label: 'one tile wide, shorter', width: 512, height: 300 },
  { label: 'one pixel over a tile', width: 513, height: 513 },
  { label: 'narrow', width: 100, height: 3000 },
  { label: 'tall', width: 700, height: 4100 },
  { label: 'wide', width: 6000, height: 150 },
  { label: 'odd size', width: 3497, height: 2501 },
  { label: 'powers of two', width: 2048, height: 1024 },
  { label: 'large', width: 5000, height: 3000 },
  { label: 'very large (capped full/max)', width: 30011, height: 20003 },
];
