import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CsvError, LeaseHeldError } from '../../src/errors.js';
import { acquireLease } from '../../src/lease/acquire-lease.js';
import { leaseScopeOf } from '../../src/lease/lease-records.js';
import { readLease } from '../../src/lease/read-lease.js';
import { silentLogger } from '../../src/log.js';
import { assembleRun } from '../../src/manifest-assembler/assemble-run.js';
import type { RunEvent } from '../../src/run/run-events.js';
import { LOCAL_STATE_BUCKET, type RunReport } from '../../src/run/run-records.js';
import { RunStore } from '../../src/run/run-store.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import type { Task } from '../../src/task/task.js';
import { RecordingStorage } from '../helpers/recording-storage.js';
import { testTask } from '../helpers/test-task.js';
import {
  allmapsCollectionView,
  allmapsManifestView,
  manifestoCollectionView,
  manifestoView,
  schemaErrors,
} from '../iiif/presentation/helpers/presentation-judges.js';
import { failedResult, plannedImage, plannedItems, publishedResult, writeRun } from './helpers/run-fixture.js';

const URL_BASE = 'https://iiif.example.org/iawa/Box2';
const NOW = new Date('2026-03-04T05:06:07.000Z');

describe('assembleRun', () => {
  let root: string;
  let storage: RecordingStorage;
  let runStore: RunStore;
  let task: Task;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'iiif-assemble-'));
    storage = new RecordingStorage(new FsStorage(root));
    runStore = new RunStore(storage, { bucket: LOCAL_STATE_BUCKET, prefix: '' });
    task = testTask({
      collectionId: 'Box2',
      destPrefix: 'iawa',
      destUrl: 'https://iiif.example.org',
      csvPath: 'metadata',
      csvName: 'box2.csv',
    });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const putCsv = (text: string, forTask: Task = task): Promise<void> =>
    storage.put(forTask.srcBucket, `${forTask.csvPath}/${forTask.csvName}`, text);
  const readDest = async (key: string): Promise<Record<string, unknown>> =>
    JSON.parse((await storage.getBytes(task.destBucket, key)).toString('utf8')) as Record<string, unknown>;
  const destExists = async (key: string): Promise<boolean> => (await storage.head(task.destBucket, key)) !== undefined;
  const assemble = (runId: string): Promise<RunReport> =>
    assembleRun({ storage, runStore, logger: silentLogger, now: () => NOW }, { runId });

  it('publishes a manifest per item, canvases in natural file-name order, and the collection', async () => {
    // Prepare
    const items = plannedItems(task, {
      Folder10: ['page10.tif', 'page2.tif', 'page1.tif'],
      Folder2: ['scan.jpg'],
    });
    const [folder10, folder2] = items;
    if (folder10 === undefined || folder2 === undefined) throw new Error('fixture');
    await writeRun(runStore, {
      runId: 'run-1',
      task,
      items,
      ignored: 2,
      shards: [
        [publishedResult(task, folder10, 'page10.tif'), publishedResult(task, folder10, 'page1.tif')],
        [
          publishedResult(task, folder10, 'page2.tif', { status: 'skipped' }),
          publishedResult(task, folder2, 'scan.jpg', { width: 800, height: 600 }),
        ],
      ],
    });
    await putCsv(
      [
        'identifier,title,description,Creator,rights,attribution,date',
        'Box2,"Box 2, letters",Women’s Development Corp.,,http://rightsstatements.org/vocab/InC/1.0/,Virginia Tech,',
        'Folder10,Folder ten,"Drafts, ""notes"" and letters",Ahrentzen,,,1979',
        'Folder2,Folder two,,,,,',
        'Ghost,Not in this collection,,,,,',
      ].join('\n'),
    );

    // Act
    const report = await assemble('run-1');

    // Assess
    const manifest = await readDest('iawa/Box2/Folder10/manifest.json');
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifest).toMatchObject({
      id: `${URL_BASE}/Folder10/manifest.json`,
      label: { none: ['Folder ten'] },
      summary: { none: ['Drafts, "notes" and letters'] },
      metadata: [
        { label: { none: ['Creator'] }, value: { none: ['Ahrentzen'] } },
        { label: { none: ['date'] }, value: { none: ['1979'] } },
      ],
      navDate: '1979-01-01T00:00:00Z',
      partOf: [{ id: `${URL_BASE}/collection.json`, type: 'Collection' }],
    });
    const view = manifestoView(manifest);
    expect(view.canvases.map((canvas) => canvas.label)).toEqual(['page1', 'page2', 'page10']);
    expect(view.canvases.map((canvas) => canvas.serviceId)).toEqual(
      ['page1', 'page2', 'page10'].map((name) => `${URL_BASE}/Folder10/${name}`),
    );
    expect(view.thumbnail).toMatch(new RegExp(`^${URL_BASE}/Folder10/page1/full/\\d+,\\d+/0/default\\.jpg$`));
    expect(allmapsManifestView(manifest).canvases).toHaveLength(3);

    const second = await readDest('iawa/Box2/Folder2/manifest.json');
    expect(schemaErrors(second)).toEqual([]);
    expect(second.label).toEqual({ none: ['Folder two'] });

    const collection = await readDest('iawa/Box2/collection.json');
    expect(schemaErrors(collection)).toEqual([]);
    expect(collection).toMatchObject({
      id: `${URL_BASE}/collection.json`,
      type: 'Collection',
      label: { none: ['Box 2, letters'] },
      summary: { none: ['Women’s Development Corp.'] },
      rights: 'http://rightsstatements.org/vocab/InC/1.0/',
      requiredStatement: { value: { none: ['Virginia Tech'] } },
    });
    expect(manifestoCollectionView(collection).manifests).toEqual([
      `${URL_BASE}/Folder2/manifest.json`,
      `${URL_BASE}/Folder10/manifest.json`,
    ]);
    const listed = allmapsCollectionView(collection).items;
    expect(listed.map((item) => item.label)).toEqual([{ none: ['Folder two'] }, { none: ['Folder ten'] }]);
    expect(listed.map((item) => item.thumbnail?.[0]?.id)).toEqual([
      (second.thumbnail as { id: string }[])[0]?.id,
      view.thumbnail,
    ]);

    expect(report).toEqual({
      runId: 'run-1',
      finishedAt: NOW.toISOString(),
      status: 'succeeded',
      counts: { images: 4, tiled: 3, skipped: 1, failed: 0, ignored: 2, manifests: 2 },
      failures: [],
      missingShards: [],
      manifests: [
        {
          item: 'Folder10',
          key: 'iawa/Box2/Folder10/manifest.json',
          url: `${URL_BASE}/Folder10/manifest.json`,
          canvases: 3,
        },
        {
          item: 'Folder2',
          key: 'iawa/Box2/Folder2/manifest.json',
          url: `${URL_BASE}/Folder2/manifest.json`,
          canvases: 1,
        },
      ],
      itemsWithoutManifest: [],
      incompleteItems: [],
      verify: expect.objectContaining({ status: 'complete', services: 4, documents: 3, problemCount: 0 }),
      warnings: [
        {
          code: 'csv-row-without-item',
          file: storage.describe('img-src', 'metadata/box2.csv'),
          line: 5,
          message: `${storage.describe('img-src', 'metadata/box2.csv')}: line 5: the row "Ghost" matches no item folder; its metadata is not used`,
        },
      ],
      collection: { key: 'iawa/Box2/collection.json', url: `${URL_BASE}/collection.json`, items: 2 },
      csv: { key: 'metadata/box2.csv', unmatchedRows: ['Ghost'], itemsWithoutRow: [] },
    });
    expect(await runStore.getReport('run-1')).toEqual(report);
  });

  it('uploads manifests and the collection as Presentation 3 JSON-LD with a short cache lifetime', async () => {
    // Prepare
    const items = plannedItems(task, { A: ['1.tif'] });
    const [a] = items;
    if (a === undefined) throw new Error('fixture');
    await writeRun(runStore, { runId: 'run-ct', task, items, shards: [[publishedResult(task, a, '1.tif')]] });
    await putCsv('identifier,title\nA,Alpha\n');

    // Act
    await assemble('run-ct');

    // Assess
    const published = storage.puts.filter((put) => put.bucket === task.destBucket);
    expect(published.map((put) => put.key).sort()).toEqual(['iawa/Box2/A/manifest.json', 'iawa/Box2/collection.json']);
    for (const put of published) {
      expect(put.options).toEqual({
        contentType: 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"',
        cacheControl: 'public, max-age=300',
      });
    }
  });

  it('writes no manifest for an item with a failed image: it keeps an earlier one (or has none) and is reported', async () => {
    // Prepare: an earlier run published Folder1 whole; now one of its pages fails (a replaced,
    // truncated master), every image of Folder2 fails, and Folder3 publishes.
    const items = plannedItems(task, {
      Folder1: ['p1.tif', 'p2.tif', 'p3.tif'],
      Folder2: ['a.jpg', 'b.jpg'],
      Folder3: ['x.tif'],
    });
    const [one, two, three] = items;
    if (one === undefined || two === undefined || three === undefined) throw new Error('fixture');
    await putCsv('identifier,title\nFolder1,One\nFolder2,Two\nFolder3,Three\n');
    const whole = ['p1.tif', 'p2.tif', 'p3.tif'].map((file) => publishedResult(task, one, file));
    await writeRun(runStore, { runId: 'run-2-earlier', task, items: [one], shards: [whole] });
    await assemble('run-2-earlier');
    await writeRun(runStore, {
      runId: 'run-2',
      task,
      items,
      shards: [
        [
          publishedResult(task, one, 'p1.tif'),
          failedResult(one, 'p2.tif', 'truncated JPEG: premature end of data'),
          publishedResult(task, one, 'p3.tif'),
        ],
        [failedResult(two, 'a.jpg', 'empty file (0 bytes)'), failedResult(two, 'b.jpg', 'not an image: text file')],
        [publishedResult(task, three, 'x.tif')],
      ],
    });

    // Act
    const report = await assemble('run-2');

    // Assess: Folder1 keeps its complete earlier manifest, never one without page 2.
    const manifest = await readDest('iawa/Box2/Folder1/manifest.json');
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifestoView(manifest).canvases.map((canvas) => canvas.label)).toEqual(['p1', 'p2', 'p3']);
    expect(await destExists('iawa/Box2/Folder2/manifest.json')).toBe(false);
    expect(manifestoView(await readDest('iawa/Box2/Folder3/manifest.json')).canvases).toHaveLength(1);
    const collection = await readDest('iawa/Box2/collection.json');
    expect(schemaErrors(collection)).toEqual([]);
    expect(manifestoCollectionView(collection).manifests).toEqual([
      `${URL_BASE}/Folder1/manifest.json`,
      `${URL_BASE}/Folder3/manifest.json`,
    ]);
    expect(report.status).toBe('failed');
    expect(report.counts).toEqual({ images: 6, tiled: 3, skipped: 0, failed: 3, ignored: 0, manifests: 1 });
    expect(report.failures).toEqual([
      {
        item: 'Folder1',
        sourceKey: `${task.accessDir}/Folder1/p2.tif`,
        reason: 'truncated JPEG: premature end of data',
      },
      { item: 'Folder2', sourceKey: `${task.accessDir}/Folder2/a.jpg`, reason: 'empty file (0 bytes)' },
      { item: 'Folder2', sourceKey: `${task.accessDir}/Folder2/b.jpg`, reason: 'not an image: text file' },
    ]);
    expect(report.incompleteItems).toEqual([
      {
        item: 'Folder1',
        reason: '1 of 3 images not published: p2.tif: truncated JPEG: premature end of data',
        keptManifest: true,
      },
      {
        item: 'Folder2',
        reason: '2 of 2 images not published: a.jpg: empty file (0 bytes) (and 1 more)',
        keptManifest: false,
      },
    ]);
    expect(report.itemsWithoutManifest).toEqual(['Folder2']);
    expect(report.manifests.map((entry) => [entry.item, entry.canvases])).toEqual([['Folder3', 1]]);
  });

  it('counts the images of a shard that never reported as failed, and names the shard', async () => {
    // Prepare
    const items = plannedItems(task, { A: ['1.tif', '2.tif'], B: ['1.tif'] });
    const [a, b] = items;
    if (a === undefined || b === undefined) throw new Error('fixture');
    await writeRun(runStore, {
      runId: 'run-3',
      task,
      items,
      shards: [[publishedResult(task, a, '1.tif')], undefined],
      planned: [[plannedImage(a, '1.tif')], [plannedImage(a, '2.tif'), plannedImage(b, '1.tif')]],
    });
    await putCsv('identifier,title\nA,Alpha\n');

    // Act
    const report = await assemble('run-3');

    // Assess
    expect(report.status).toBe('failed');
    expect(report.missingShards).toEqual([1]);
    expect(report.failures).toEqual([
      { item: 'A', sourceKey: `${task.accessDir}/A/2.tif`, reason: 'shard 1 did not report' },
      { item: 'B', sourceKey: `${task.accessDir}/B/1.tif`, reason: 'shard 1 did not report' },
    ]);
    // A and B each miss an image: neither gets a manifest that would look complete.
    expect(report.itemsWithoutManifest).toEqual(['A', 'B']);
    expect(report.csv.itemsWithoutRow).toEqual(['B']);
    expect(await destExists('iawa/Box2/A/manifest.json')).toBe(false);
  });

  it('keeps the items that earlier runs published in the collection', async () => {
    // Prepare: run 1 publishes item A, run 2 (another folder of the same collection) item B only.
    const itemsA = plannedItems(task, { A: ['1.tif'] });
    const itemsB = plannedItems(task, { B: ['1.tif', '2.tif'] });
    const [a] = itemsA;
    const [b] = itemsB;
    if (a === undefined || b === undefined) throw new Error('fixture');
    await writeRun(runStore, { runId: 'run-a', task, items: itemsA, shards: [[publishedResult(task, a, '1.tif')]] });
    await writeRun(runStore, {
      runId: 'run-b',
      task,
      items: itemsB,
      shards: [[publishedResult(task, b, '1.tif'), publishedResult(task, b, '2.tif')]],
    });
    await putCsv('identifier,title\nA,Alpha\nB,Beta\n');
    await assemble('run-a');
    const manifestA = (await storage.getBytes(task.destBucket, 'iawa/Box2/A/manifest.json')).toString('utf8');

    // Act
    const report = await assemble('run-b');

    // Assess
    const collection = await readDest('iawa/Box2/collection.json');
    expect(schemaErrors(collection)).toEqual([]);
    const listed = allmapsCollectionView(collection).items;
    expect(listed.map((item) => [item.uri, item.label])).toEqual([
      [`${URL_BASE}/A/manifest.json`, { none: ['Alpha'] }],
      [`${URL_BASE}/B/manifest.json`, { none: ['Beta'] }],
    ]);
    expect(listed[0]?.thumbnail?.[0]?.id).toBe(manifestoView(JSON.parse(manifestA)).thumbnail);
    expect(report.collection?.items).toBe(2);
    expect(report.manifests.map((entry) => entry.item)).toEqual(['B']);
    expect(report.csv.unmatchedRows).toEqual([]);
    expect((await storage.getBytes(task.destBucket, 'iawa/Box2/A/manifest.json')).toString('utf8')).toBe(manifestA);
  });

  it('reassembles after a CSV fix from the stored results without reading a tile', async () => {
    // Prepare
    const items = plannedItems(task, { A: ['1.tif', '2.tif'] });
    const [a] = items;
    if (a === undefined) throw new Error('fixture');
    await writeRun(runStore, {
      runId: 'run-4',
      task,
      items,
      shards: [[publishedResult(task, a, '1.tif'), publishedResult(task, a, '2.tif')]],
    });
    // writeRun publishes what the shard workers would beside the manifests: info.json and tiles.
    await putCsv('identifier,title\nA,Alpah\n');
    await assemble('run-4');
    await putCsv('identifier,title\nA,Alpha\n');
    storage.reset();

    // Act
    const report = await assemble('run-4');

    // Assess
    expect((await readDest('iawa/Box2/A/manifest.json')).label).toEqual({ none: ['Alpha'] });
    expect(report.status).toBe('succeeded');
    const destinationReads = storage.reads.filter((read) => read.bucket === task.destBucket).map((read) => read.key);
    // verify reads each info.json (and lists each item's folder), never a tile.
    expect(destinationReads.filter((key) => !/\/(manifest|collection|info)\.json$/.test(key))).toEqual([]);
    const writes = storage.puts.filter((put) => put.bucket === task.destBucket).map((put) => put.key);
    expect(writes.sort()).toEqual(['iawa/Box2/A/manifest.json', 'iawa/Box2/collection.json']);
  });

  it('rejects a bad CSV before writing any manifest, and records why in the report', async () => {
    // Prepare
    const items = plannedItems(task, { A: ['1.tif'] });
    const [a] = items;
    if (a === undefined) throw new Error('fixture');
    await writeRun(runStore, { runId: 'run-5', task, items, shards: [[publishedResult(task, a, '1.tif')]] });
    await putCsv('identifier,title\nA,Alpha\nA,Again\n');

    // Act
    const error = await assemble('run-5').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(CsvError);
    expect((error as CsvError).message).toContain(
      'line 3, column "identifier": duplicate identifier "A", already on line 2',
    );
    expect(storage.puts.filter((put) => put.bucket === task.destBucket)).toEqual([]);
    const report = await runStore.getReport('run-5');
    expect(report).toMatchObject({
      status: 'failed',
      manifests: [],
      csv: { error: (error as CsvError).message },
    });
    expect(report?.collection).toBeUndefined();
  });

  it('announces each written report once, a bad CSV too, and survives an event that cannot be delivered', async () => {
    // Prepare: run-6 succeeds (a recording bus), run-7's CSV is bad (a bus that refuses).
    const items = plannedItems(task, { A: ['1.tif', '2.tif'], B: ['1.tif'] });
    const [a, b] = items;
    if (a === undefined || b === undefined) throw new Error('fixture');
    await writeRun(runStore, {
      runId: 'run-6',
      task,
      items,
      shards: [
        [publishedResult(task, a, '1.tif'), failedResult(a, '2.tif', 'not a decodable image')],
        [publishedResult(task, b, '1.tif')],
      ],
    });
    await writeRun(runStore, { runId: 'run-7', task, items, shards: [[publishedResult(task, a, '1.tif')]] });
    const published: RunEvent[] = [];
    const recording = { publish: async (event: RunEvent) => void published.push(event) };
    const refusing = {
      publish: async () => {
        throw new Error('EventBridge is down');
      },
    };

    // Act
    await putCsv('identifier,title\nA,Alpha\n');
    const report = await assembleRun(
      { storage, runStore, logger: silentLogger, now: () => NOW, events: recording },
      { runId: 'run-6' },
    );
    await putCsv('identifier,title\nA,Alpha\nA,Again\n');
    const badCsv = await assembleRun(
      { storage, runStore, logger: silentLogger, now: () => NOW, events: recording },
      { runId: 'run-7' },
    ).catch((caught: unknown) => caught);
    await putCsv('identifier,title\nA,Alpha\n');
    const undelivered = await assembleRun(
      { storage, runStore, logger: silentLogger, now: () => NOW, events: refusing },
      { runId: 'run-6' },
    );

    // Assess
    expect(published.map((event) => [event.detailType, event.detail.runId, event.detail.status])).toEqual([
      ['Run finished', 'run-6', 'failed'],
      ['Run finished', 'run-7', 'failed'],
    ]);
    expect(published[0]?.detail).toMatchObject({
      counts: { items: 2, images: 3, tiled: 2, failed: 1, manifests: 1 },
      failures: report.failures,
      failuresOmitted: 0,
      report: runStore.describe('run-6', 'report.json'),
      collection: {
        location: storage.describe(task.destBucket, 'iawa/Box2/collection.json'),
        url: `${URL_BASE}/collection.json`,
      },
    });
    expect(badCsv).toBeInstanceOf(CsvError);
    expect(undelivered.status).toBe('failed');
  });

  it('labels an item without a CSV row by its identifier and reports it', async () => {
    // Prepare
    const items = plannedItems(task, { 'Folder 3 (é)': ['1.tif'] });
    const [item] = items;
    if (item === undefined) throw new Error('fixture');
    await writeRun(runStore, { runId: 'run-6', task, items, shards: [[publishedResult(task, item, '1.tif')]] });
    await putCsv('identifier,title\n');

    // Act
    const report = await assemble('run-6');

    // Assess
    const manifest = await readDest('iawa/Box2/Folder 3 (é)/manifest.json');
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifest.id).toBe(`${URL_BASE}/Folder%203%20(%C3%A9)/manifest.json`);
    expect(manifest.label).toEqual({ none: ['Folder 3 (é)'] });
    expect(report.csv.itemsWithoutRow).toEqual(['Folder 3 (é)']);
    const collection = await readDest('iawa/Box2/collection.json');
    expect(collection.label).toEqual({ none: ['Box2'] });
  });

  it('publishes Presentation 2.1 manifests and collection when the task asks for it', async () => {
    // Prepare
    const task2 = testTask({ ...task, settings: { presentationVersion: 2, imageApiVersion: 2 } });
    const items = plannedItems(task2, { A: ['p10.tif', 'p9.tif'] });
    const [a] = items;
    if (a === undefined) throw new Error('fixture');
    await writeRun(runStore, {
      runId: 'run-7',
      task: task2,
      items,
      shards: [[publishedResult(task2, a, 'p10.tif'), publishedResult(task2, a, 'p9.tif')]],
    });
    await putCsv('identifier,title,attribution\nA,Alpha,Credit\n', task2);

    // Act
    const report = await assemble('run-7');

    // Assess
    const manifest = await readDest('iawa/Box2/A/manifest.json');
    expect(manifest).toMatchObject({
      '@context': 'http://iiif.io/api/presentation/2/context.json',
      '@type': 'sc:Manifest',
      label: 'Alpha',
      attribution: 'Credit',
      within: `${URL_BASE}/collection.json`,
    });
    const view = manifestoView(manifest);
    expect(view.canvases.map((canvas) => [canvas.label, canvas.imageId])).toEqual([
      ['p9', `${URL_BASE}/A/p9/full/full/0/default.jpg`],
      ['p10', `${URL_BASE}/A/p10/full/full/0/default.jpg`],
    ]);
    expect(allmapsManifestView(manifest)).toMatchObject({ majorVersion: 2 });
    const collection = await readDest('iawa/Box2/collection.json');
    expect(collection).toMatchObject({
      '@type': 'sc:Collection',
      manifests: [{ '@id': `${URL_BASE}/A/manifest.json`, label: 'Alpha' }],
    });
    expect(manifestoCollectionView(collection).manifests).toEqual([`${URL_BASE}/A/manifest.json`]);
    const types = storage.puts.filter((put) => put.bucket === task.destBucket).map((put) => put.options?.contentType);
    expect(new Set(types)).toEqual(
      new Set(['application/ld+json;profile="http://iiif.io/api/presentation/2/context.json"']),
    );
    expect(report.status).toBe('succeeded');
  });

  it("holds the run's lease of the collection while it works and releases it once the report is written", async () => {
    // Prepare
    const items = plannedItems(task, { A: ['1.tif'] });
    const [a] = items;
    if (a === undefined) throw new Error('fixture');
    await writeRun(runStore, { runId: 'run-8', task, items, shards: [[publishedResult(task, a, '1.tif')]] });
    await putCsv('identifier,title\nA,Alpha\n');
    await acquireLease({ runStore }, { scope: leaseScopeOf(task), runId: 'run-8', by: 'submitter' });

    // Act
    await assemble('run-8');

    // Assess
    const lease = await readLease(runStore, leaseScopeOf(task));
    expect(lease?.record.runId).toBe('run-8');
    expect(lease?.release).toMatchObject({ by: 'assembler', reason: 'the assembler wrote the report' });
  });

  it("writes nothing while another run holds the collection's lease", async () => {
    // Prepare
    const items = plannedItems(task, { A: ['1.tif'] });
    const [a] = items;
    if (a === undefined) throw new Error('fixture');
    await writeRun(runStore, { runId: 'run-9', task, items, shards: [[publishedResult(task, a, '1.tif')]] });
    await putCsv('identifier,title\nA,Alpha\n');
    await acquireLease({ runStore }, { scope: leaseScopeOf(task), runId: 'run-10', by: 'submitter' });
    storage.reset();

    // Act
    const error = await assemble('run-9').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect(storage.puts).toEqual([]);
    expect(await runStore.getReport('run-9')).toBeUndefined();
  });

  it('fails with the run id when the run does not exist', async () => {
    // Act
    const error = await assemble('no-such-run').catch((caught: unknown) => caught);

    // Assess
    expect((error as Error).name).toBe('RunRecordError');
    expect((error as Error).message).toContain('No run "no-such-run"');
  });
});
