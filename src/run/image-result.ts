import type { ImageQc } from '../qc/image-qc.js';
import type { RunWarning } from './run-warning.js';

/** Outcome of one image in a shard. */
export type ImageStatus = 'tiled' | 'skipped' | 'failed';

export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * What a manifest needs to know about one published level-0 image service, so the assembler
 * never reads an image or an info.json.
 */
export interface PublishedImage {
  /** Key prefix of the service in the destination: `{DEST_PREFIX}/{COLLECTION}/{item}/{image}`. */
  readonly serviceKey: string;
  /** The info.json `id` (`@id` for 2.1): `DEST_URL/` + serviceKey percent-encoded per segment. */
  readonly serviceId: string;
  readonly imageApiVersion: 2 | 3;
  /** Displayed dimensions (EXIF orientation applied): info.json `width`/`height`. */
  readonly width: number;
  readonly height: number;
  /** info.json `sizes`, ascending; each has a file (see `sizeImagePath`). */
  readonly sizes: readonly Size[];
  /** info.json `tiles`. */
  readonly tiles: readonly {
    readonly width: number;
    readonly height: number;
    readonly scaleFactors: readonly number[];
  }[];
  /** Dimensions of the `full/max` (2.1: `full/full`) file: the image, or smaller when capped. */
  readonly full: Size;
  /** info.json `maxWidth`/`maxHeight` when `full` is capped. */
  readonly maxWidth?: number;
  readonly maxHeight?: number;
  /** Media type of every published file. */
  readonly format: 'image/jpeg';
}

/** One image's record in a shard result; `image` is present for `tiled` and `skipped`. */
export interface ImageResult {
  /** Item identifier. */
  readonly item: string;
  /** Source key in `AWS_SRC_BUCKET`. */
  readonly sourceKey: string;
  /** The URL-safe image name, unique in the item (see `imageNames`, `pageNames`). */
  readonly name: string;
  /** The page of a multi-page source (1-based), as planned. */
  readonly page?: number;
  readonly status: ImageStatus;
  /** Why it failed (or was skipped), in words a person can act on. */
  readonly reason?: string;
  /**
   * `failed` because of the machine or the storage (a full working disk, storage that kept failing),
   * not the image: running the shard again may succeed.
   */
  readonly retryable?: boolean;
  /** What the person running it must know about a success, e.g. only page 1 of 3 was used. */
  readonly warnings?: readonly RunWarning[];
  readonly image?: PublishedImage;
  /**
   * QC measurement of the smallest published level and the flags it raises alone (uniform, edge
   * band): warnings, never failures. Absent for failures and images tiled before QC existed.
   */
  readonly qc?: ImageQc;
  /** Files written (0 when skipped). */
  readonly tileCount?: number;
  /** Bytes written (0 when skipped). */
  readonly bytes?: number;
  readonly seconds?: number;
  /** Source fingerprint the result was made from. */
  readonly sourceEtag: string;
  readonly sourceBytes: number;
}
