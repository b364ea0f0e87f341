import type { ImageMeasurement } from './measure-image.js';

/**
 * QC flags: warnings for a person to look at, never failures. `uniform` and `edge-band` come from
 * one image's measurement (while tiling); the others compare images (in the assembler).
 */
export type QcFlag = 'uniform' | 'edge-band' | 'duplicate' | 'orientation' | 'size-outlier' | 'colour-outlier';

export const QC_FLAGS: readonly QcFlag[] = [
  'uniform',
  'edge-band',
  'duplicate',
  'orientation',
  'size-outlier',
  'colour-outlier',
];

/** What `ImageResult.qc` holds: the measurement of a small level and the flags it raises alone. */
export interface ImageQc extends ImageMeasurement {
  readonly flags: readonly QcFlag[];
}

/** One flag on one image, with words a person can act on. */
export interface QcFinding {
  readonly flag: QcFlag;
  readonly message: string;
}
