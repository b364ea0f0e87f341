import type { RunOutcomes } from '../manifest-assembler/collect-outcomes.js';
import type { QcSubject } from './run-findings.js';

/** Every published image of a run, as `runFindings` compares them. */
export function qcSubjectsOf(outcomes: RunOutcomes): QcSubject[] {
  return outcomes.items.flatMap((item) =>
    item.pages.map((page) => ({
      item: item.id,
      name: page.name,
      sourceKey: page.sourceKey,
      width: page.image.width,
      height: page.image.height,
      ...(page.qc === undefined ? {} : { measurement: page.qc }),
    })),
  );
}
