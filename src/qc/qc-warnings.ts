import type { RunWarning } from '../run/run-warning.js';
import type { FlaggedImage } from './run-findings.js';

/**
 * The QC findings of a run as warnings (codes `qc-…`), one per flag, naming the item and source
 * file: they reach the terminal, `--json`, `status` and the report like every other warning.
 */
export function qcWarnings(flagged: readonly FlaggedImage[]): RunWarning[] {
  return flagged.flatMap((image) =>
    image.findings.map(
      (finding): RunWarning => ({
        code: `qc-${finding.flag}`,
        message: `${image.sourceKey}: ${finding.message}`,
        item: image.item,
        file: image.sourceKey,
      }),
    ),
  );
}
