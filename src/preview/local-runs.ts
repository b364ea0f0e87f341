import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_STATE } from '../local/run-local.js';
import { silentLogger } from '../log.js';
import { buildQcReport } from '../qc/build-qc-report.js';
import { renderQcPage } from '../qc/render-qc-page.js';
import { RunStore } from '../run/run-store.js';
import { FsStorage } from '../storage/fs-storage.js';
import type { Task } from '../task/task.js';
import { PREVIEW_PATH } from './preview-assets.js';

/** A run recorded under a served local root. */
export interface LocalRunEntry {
  readonly runId: string;
  readonly collectionId: string;
  readonly createdAt: string;
}

/** Most runs listed on the preview page (the newest). */
const MAX_RUNS = 200;

/**
 * The runs recorded under `root` when it is a local root (`root/_iiif-batch/runs`), newest first;
 * none when it is a published tree.
 */
export async function listLocalRuns(root: string): Promise<LocalRunEntry[]> {
  const names = await readdir(join(root, LOCAL_STATE.bucket, LOCAL_STATE.prefix, 'runs')).catch(() => []);
  const store = runStoreAt(root);
  const runs: LocalRunEntry[] = [];
  for (const runId of names) {
    const run = await store.findRun(runId).catch(() => undefined);
    if (run !== undefined) runs.push({ runId, collectionId: run.task.collectionId, createdAt: run.createdAt });
  }
  return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, MAX_RUNS);
}

/**
 * The QC page of a run under a served local root (the page `report` writes), with thumbnails
 * loaded from the served destination folder (`/{AWS_DEST_BUCKET}/…`) whatever DEST_URL says, and
 * each image opening in the preview's OpenSeadragon.
 */
export async function renderLocalQcPage(root: string, runId: string): Promise<string> {
  const report = await buildQcReport(runStoreAt(root), runId, { logger: silentLogger, urlOf: servedUrl });
  return renderQcPage(report, { viewer: `${PREVIEW_PATH}?image=` });
}

/** A published URL as a path on the preview server serving the local root. */
function servedUrl(url: string, task: Task): string {
  const base = task.destUrl.replace(/\/+$/, '');
  if (!url.startsWith(`${base}/`)) return url;
  return `/${encodeURIComponent(task.destBucket)}${url.slice(base.length)}`;
}

function runStoreAt(root: string): RunStore {
  return new RunStore(new FsStorage(root), LOCAL_STATE);
}
