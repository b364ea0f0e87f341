import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  imageNameRecordsPrefix,
  readImageNameRecords,
  writeImageNameRecords,
} from '../../src/plan/image-name-records.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { parseTaskFile } from '../../src/task/parse-task-file.js';
import { legacyTaskFile } from '../helpers/task-file.js';

const task = parseTaskFile(JSON.stringify(legacyTaskFile()));
const state = { bucket: '_iiif-batch', prefix: '' };

describe('Function: writeImageNameRecords', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'name-records-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes one compact record per item that reads back as it was given', async () => {
    // Prepare
    const storage = new FsStorage(root);
    const items = Array.from({ length: 40 }, (_, index) => ({
      item: `Folder${index}`,
      names: new Map([
        [`p${index}.tif`, `p${index}`],
        ['q"uote \\ é 😀.jpg', 'q_uote____'],
      ]),
    }));

    // Act
    await writeImageNameRecords(storage, state, task, items);

    // Assess
    const read = await readImageNameRecords(storage, state, task);
    expect(new Map(items.map(({ item, names }) => [item, names]))).toEqual(read);
    const first = items[0] as (typeof items)[number];
    const stored = await readFile(
      join(root, state.bucket, `${imageNameRecordsPrefix(state, task)}Folder0.json`),
      'utf8',
    );
    expect(stored).toBe(`${JSON.stringify({ item: first.item, names: Object.fromEntries(first.names) })}\n`);
  });
});
