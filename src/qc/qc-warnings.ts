import type { QcFlag } from './image-qc.js';
import type { FlaggedImage } from './run-findings.js';

/** One QC flag on one image, flat, as `--json` output and terminals list warnings. */
export interface QcWarning {
  readonly item: string;
  readonly name: string;
  readonly sourceKey: string;
  readonly flag: QcFlag;
  readonly message: string;
}

/** The findings of a run as one warning per flag. */
export function qcWarnings(flagged: readonly FlaggedImage[]): QcWarning[] {
  return flagged.flatMap((image) =>
    image.findings.map((finding) => ({
      item: image.item,
      name: image.name,
      sourceKey: image.sourceKey,
      flag: finding.flag,
      message: finding.message,
    })),
  );
}
