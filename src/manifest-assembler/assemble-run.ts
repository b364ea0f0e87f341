import { CsvError, errorMessage } from '../errors.js';
import { collectionManifestKey, manifestKey } from '../iiif/presentation/presentation-keys.js';
import type { ManifestReference } from '../iiif/presentation/presentation-model.js';
import {
  PRESENTATION_CACHE_CONTROL,
  type PresentationStrategy,
  presentationStrategy,
} from '../iiif/presentation/presentation-strategy.js';
import { acquireLease } from '../lease/acquire-lease.js';
import type { HeldLease } from '../lease/held-lease.js';
import { leaseScopeOf } from '../lease/lease-records.js';
import type { Logger } from '../log.js';
import { naturalCompare } from '../plan/natural-compare.js';
import { qcSubjectsOf } from '../qc/qc-subjects.js';
import { qcWarnings } from '../qc/qc-warnings.js';
import { runFindings } from '../qc/run-findings.js';
import { publishRunEvent, type RunEvents, runFinishedEvent } from '../run/run-events.js';
import type { IncompleteItem, RunRecord, RunReport } from '../run/run-records.js';
import type { RunStore } from '../run/run-store.js';
import type { Storage } from '../storage/storage.js';
import { csvKey, type Task } from '../task/task.js';
import { mapLimit } from '../util/for-each-limited.js';
import type { VerifyResult } from '../verify/verify-published.js';
import { verifyRunOutput } from '../verify/verify-run.js';
import { buildCollectionModel, buildManifestModel, referenceOf } from './build-models.js';
import { collectOutcomes, type ItemOutcome, type RunOutcomes } from './collect-outcomes.js';
import { matchCsvRows } from './match-csv-rows.js';
import type { MetadataTable } from './metadata-table.js';
import { readMetadataCsv } from './read-metadata-csv.js';
import { readPublishedManifests } from './read-published-manifests.js';

export interface AssembleDependencies {
  /** Where the task's source (CSV) and destination (manifests) buckets are. */
  readonly storage: Storage;
  /** The run's records. */
  readonly runStore: RunStore;
  readonly logger: Logger;
  /** Clock for `finishedAt` (tests pass a fixed one). */
  readonly now?: () => Date;
  /** Reads and writes in flight at once. Default 16. */
  readonly concurrency?: number;
  /** Where the "Run finished" event goes once the report is written (none: no event). */
  readonly events?: RunEvents;
}

/**
 * The manifest assembler's core: turn a run's stored per-image results into IIIF manifests, the
 * collection, and the run report.
 *
 * 0. Joins the run's lease of the collection (`LeaseHeldError` when another run holds it) and
 *    keeps it alive while it works.
 * 1. Reads `run.json` (task, counts), `items/{p}.json`, every shard's result (a shard without one
 *    "did not report": its images count as failed), and the metadata CSV.
 * 2. Writes one manifest per item whose images are all published. An item with a failed or missing
 *    image gets no new manifest (one without that page would look complete): it keeps an earlier
 *    run's manifest, if any, and is reported with the reason (`incompleteItems`).
 * 3. Writes the collection: every item manifest published in the collection (earlier runs' too),
 *    in natural order of identifiers.
 * 4. Verifies what it published (`verifyRunOutput`: each published image's info.json and a listing
 *    of each item's folder, each manifest's and the collection's references).
 * 5. Writes `report.json`, releases the lease (the run's work on the collection has ended) and
 *    returns the report: status `succeeded` when every image is published and verify found everything.
 *
 * It never reads an image or a tile, so rerunning it (after a CSV fix) is cheap.
 *
 * @throws CsvError when the CSV cannot be used: no manifest is written (report.json records why)
 * @throws RunRecordError when the run or its items are missing
 */
export async function assembleRun(deps: AssembleDependencies, input: { runId: string }): Promise<RunReport> {
  const { runStore } = deps;
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ runId: input.runId });
  const run = await runStore.getRun(input.runId);
  // Refused while another run holds the collection (it took the lease from this one meanwhile).
  const lease = await acquireLease(
    { runStore, now },
    { scope: leaseScopeOf(run.task), runId: run.runId, by: 'assembler' },
  );
  const stopRenewing = lease.keepAlive((error) =>
    logger.warn('could not renew the lease of the collection', { error: errorMessage(error) }),
  );
  try {
    return await assembleHeld({ ...deps, logger, now }, run, lease);
  } finally {
    stopRenewing();
  }
}

/** `assembleRun` once the run holds the collection's lease; releases it once the report is written. */
async function assembleHeld(
  deps: AssembleDependencies & { readonly now: () => Date },
  run: RunRecord,
  lease: HeldLease,
): Promise<RunReport> {
  const { storage, runStore, logger, now } = deps;
  const concurrency = deps.concurrency ?? 16;
  const { runId, task } = run;
  const items = await runStore.getItems(runId);
  const outcomes = await collectOutcomes(runStore, runId, run.counts.shards, items, logger, concurrency);
  // QC: run-wide checks over the measurements stored with the results (duplicates across shards too).
  const qc = qcWarnings(runFindings(qcSubjectsOf(outcomes)));
  logger.info('results collected', {
    items: items.length,
    images: outcomes.images,
    failed: outcomes.failures.length,
    missingShards: outcomes.missingShards,
  });

  let table: MetadataTable;
  try {
    table = await readMetadataCsv(storage, task);
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const report = buildReport({
      runId,
      task,
      ignored: run.counts.ignored,
      outcomes,
      finishedAt: now(),
      manifests: [],
      itemsWithoutManifest: outcomes.items.map((item) => item.id),
      incompleteItems: [],
      collection: undefined,
      csv: { key: csvKey(task), unmatchedRows: [], itemsWithoutRow: [], error: error.message },
      warnings: [...(run.warnings ?? []), ...outcomes.warnings, ...qc],
    });
    await runStore.putReport(report);
    await lease.release('the assembler wrote the report (the CSV could not be used)');
    await announce(deps, run, report);
    throw error;
  }

  const strategy = presentationStrategy(task.settings.presentationVersion);
  const publishable = outcomes.items.filter((item) => item.pages.length > 0 && item.failures.length === 0);
  const incompleteItems = await mapLimit(
    outcomes.items.filter((item) => item.failures.length > 0),
    concurrency,
    async (item): Promise<IncompleteItem> => ({
      item: item.id,
      reason: incompleteReason(item),
      keptManifest: (await storage.head(task.destBucket, manifestKey(task, item.id))) !== undefined,
    }),
  );
  for (const incomplete of incompleteItems) {
    logger.warn(`item ${incomplete.item}: no new manifest, ${incomplete.reason}`, { item: incomplete.item });
  }
  lease.assertHeld('The assembler stops before writing the manifests');
  const written = await mapLimit(publishable, concurrency, async (item) => {
    const model = buildManifestModel(task, item.id, item.pages, table.rows.get(item.id));
    const key = manifestKey(task, item.id);
    await putDocument(storage, task, key, strategy.manifest(model), strategy);
    logger.debug('manifest written', { item: item.id, key, canvases: model.canvases.length });
    return { item: item.id, key, url: model.id, canvases: model.canvases.length, reference: referenceOf(model) };
  });

  // The collection lists what is published, not only this run's items: earlier runs' manifests too.
  const thisRun = new Set(written.map((entry) => entry.item));
  const references = await readPublishedManifests(storage, task, thisRun, logger, concurrency);
  const earlierItems = new Set(references.keys());
  for (const entry of written) references.set(entry.item, entry.reference);
  let collection: RunReport['collection'];
  if (references.size > 0) {
    const ordered: ManifestReference[] = [...references.entries()]
      .sort(([a], [b]) => naturalCompare(a, b))
      .map(([, reference]) => reference);
    const model = buildCollectionModel(task, ordered, table.rows.get(task.collectionId));
    const key = collectionManifestKey(task);
    await putDocument(storage, task, key, strategy.collection(model), strategy);
    collection = { key, url: model.id, items: ordered.length };
  }

  const match = matchCsvRows({
    rows: table.rows,
    runItems: outcomes.items.map((item) => item.id),
    earlierItems,
    collectionId: task.collectionId,
    csv: table.source,
  });
  const warnings = [...(run.warnings ?? []), ...outcomes.warnings, ...qc, ...table.warnings, ...match.warnings];
  for (const warning of warnings) logger.warn(warning.message, { code: warning.code });
  // Every file a viewer derives from what was published must exist: check before saying so.
  const verify = await verifyRunOutput(
    { storage, runStore },
    {
      task,
      serviceKeys: publishable.flatMap((item) => item.pages.map((page) => page.image.serviceKey)),
      documents: [...written.map((entry) => entry.key), ...(collection === undefined ? [] : [collection.key])],
    },
  );
  if (verify.status !== 'complete') {
    logger.error(`verify: ${verify.problemCount} files missing or bad`, { problems: verify.problems.slice(0, 20) });
  }
  const report = buildReport({
    runId,
    task,
    ignored: run.counts.ignored,
    outcomes,
    verify,
    finishedAt: now(),
    manifests: written.map(({ item, key, url, canvases }) => ({ item, key, url, canvases })),
    itemsWithoutManifest: incompleteItems.filter((item) => !item.keptManifest).map((item) => item.item),
    incompleteItems,
    collection,
    csv: { key: csvKey(task), unmatchedRows: match.unmatchedRows, itemsWithoutRow: match.itemsWithoutRow },
    warnings,
  });
  await runStore.putReport(report);
  await lease.release('the assembler wrote the report');
  await announce(deps, run, report);
  logger.info('run assembled', {
    status: report.status,
    manifests: report.counts.manifests,
    failed: report.counts.failed,
    collection: collection?.url,
    report: runStore.describe(runId, 'report.json'),
  });
  return report;
}

/** `1 of 3 images not published: p2.tif: truncated JPEG: …` (the first failure's reason). */
function incompleteReason(item: ItemOutcome): string {
  const total = item.pages.length + item.failures.length;
  const first = item.failures[0];
  const file = first === undefined ? '' : `${first.sourceKey.slice(first.sourceKey.lastIndexOf('/') + 1)}: `;
  const more = item.failures.length > 1 ? ` (and ${item.failures.length - 1} more)` : '';
  return `${item.failures.length} of ${total} images not published: ${file}${first?.reason ?? ''}${more}`;
}

/** One "Run finished" event per written report (a failed publish is logged, not thrown). */
async function announce(deps: AssembleDependencies, run: RunRecord, report: RunReport): Promise<void> {
  const event = runFinishedEvent(run, report, {
    report: deps.runStore.describe(report.runId, 'report.json'),
    collection:
      report.collection === undefined ? undefined : deps.storage.describe(run.task.destBucket, report.collection.key),
  });
  await publishRunEvent(deps.events, event, deps.logger.child({ runId: report.runId }));
}

async function putDocument(
  storage: Storage,
  task: Task,
  key: string,
  document: unknown,
  strategy: PresentationStrategy,
): Promise<void> {
  await storage.put(task.destBucket, key, `${JSON.stringify(document, null, 2)}\n`, {
    contentType: strategy.mediaType,
    cacheControl: PRESENTATION_CACHE_CONTROL,
  });
}

function buildReport(parts: {
  runId: string;
  task: Task;
  ignored: number;
  outcomes: RunOutcomes;
  finishedAt: Date;
  manifests: RunReport['manifests'];
  itemsWithoutManifest: readonly string[];
  incompleteItems: readonly IncompleteItem[];
  collection: RunReport['collection'];
  csv: RunReport['csv'];
  warnings: RunReport['warnings'];
  verify?: VerifyResult;
}): RunReport {
  const { outcomes } = parts;
  const complete =
    outcomes.failures.length === 0 &&
    outcomes.missingShards.length === 0 &&
    parts.csv.error === undefined &&
    parts.verify?.status !== 'incomplete';
  return {
    runId: parts.runId,
    finishedAt: parts.finishedAt.toISOString(),
    status: complete ? 'succeeded' : 'failed',
    counts: {
      images: outcomes.images,
      tiled: outcomes.tiled,
      skipped: outcomes.skipped,
      failed: outcomes.failures.length,
      ignored: parts.ignored,
      manifests: parts.manifests.length,
    },
    failures: outcomes.failures,
    missingShards: outcomes.missingShards,
    manifests: parts.manifests,
    itemsWithoutManifest: [...parts.itemsWithoutManifest].sort(naturalCompare),
    incompleteItems: [...parts.incompleteItems].sort((a, b) => naturalCompare(a.item, b.item)),
    warnings: parts.warnings,
    ...(parts.verify === undefined ? {} : { verify: parts.verify }),
    collection: parts.collection,
    csv: parts.csv,
  };
}
