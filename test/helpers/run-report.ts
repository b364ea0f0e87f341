import type { RunReport } from '../../src/run/run-records.js';

/** A run report as the assembler writes it: run `runId` of collection Box2 succeeded; `fields` change it. */
export function runReport(runId: string, fields: Partial<RunReport> = {}): RunReport {
  return {
    runId,
    finishedAt: '2025-03-01T11:00:00.000Z',
    status: 'succeeded',
    counts: { images: 2, tiled: 2, skipped: 0, failed: 0, ignored: 0, manifests: 1 },
    failures: [],
    missingShards: [],
    manifests: [],
    itemsWithoutManifest: [],
    warnings: [],
    collection: { key: 'pub/Box2/collection.json', url: 'https://example.org/pub/Box2/collection.json', items: 1 },
    csv: { key: 'metadata/box2.csv', unmatchedRows: [], itemsWithoutRow: [] },
    ...fields,
  };
}
