import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CsvError, InvalidInputError } from '../../src/errors.js';
import { parseMetadataCsv, readMetadataCsv } from '../../src/manifest-assembler/read-metadata-csv.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { testTask } from '../helpers/test-task.js';

const SOURCE = 's3://img-src/metadata/box2.csv';

/** The CsvError a parse throws (fails the test when it does not throw one). */
function csvError(run: () => unknown): CsvError {
  try {
    run();
  } catch (error) {
    if (error instanceof CsvError) return error;
    throw error;
  }
  throw new Error('expected a CsvError, but nothing was thrown');
}

describe('parseMetadataCsv', () => {
  it('maps the known columns and keeps the others as metadata in CSV order', () => {
    // Prepare
    const text = [
      'identifier,Creator,title,Subject,description,rights,attribution,Date,Extent',
      'Folder1,"Ahrentzen, Sherry",Letters,Architecture,About letters,http://rightsstatements.org/vocab/InC/1.0/,Virginia Tech,1979-05-02,3 leaves',
    ].join('\n');

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.source).toBe(SOURCE);
    expect(table.columns).toEqual([
      'identifier',
      'Creator',
      'title',
      'Subject',
      'description',
      'rights',
      'attribution',
      'Date',
      'Extent',
    ]);
    expect(table.rows.get('Folder1')).toEqual({
      identifier: 'Folder1',
      line: 2,
      title: 'Letters',
      description: 'About letters',
      rights: { label: 'rights', value: 'http://rightsstatements.org/vocab/InC/1.0/' },
      requiredStatement: { label: 'Attribution', value: 'Virginia Tech' },
      navDate: '1979-05-02T00:00:00Z',
      metadata: [
        { label: 'Creator', value: 'Ahrentzen, Sherry' },
        { label: 'Subject', value: 'Architecture' },
        { label: 'Date', value: '1979-05-02' },
        { label: 'Extent', value: '3 leaves' },
      ],
    });
    expect(table.warnings).toEqual([]);
  });

  it('reads a UTF-8 byte-order mark as nothing', () => {
    // Prepare
    const text = '\uFEFFidentifier,title\nA,Alpha\n';

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.columns).toEqual(['identifier', 'title']);
    expect(table.rows.get('A')?.title).toBe('Alpha');
  });

  it('matches header names case-insensitively and keeps their written labels', () => {
    // Prepare
    const text =
      'IDENTIFIER,Title,DESCRIPTION,Required Statement,Nav_Date,Dc.Creator\nA,Alpha,Desc,Credit line,1901,Someone\n';

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.rows.get('A')).toEqual({
      identifier: 'A',
      line: 2,
      title: 'Alpha',
      description: 'Desc',
      requiredStatement: { label: 'Attribution', value: 'Credit line' },
      navDate: '1901-01-01T00:00:00Z',
      metadata: [{ label: 'Dc.Creator', value: 'Someone' }],
    });
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, and numbers rows by their first line', () => {
    // Prepare
    const text = [
      'identifier,title,description',
      'A,"Letters, drafts and notes","He said ""no"", twice"',
      'B,"Two',
      'line title","Para 1',
      '',
      'Para 3"',
      'C,Plain,Text',
    ].join('\r\n');

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.rows.get('A')).toMatchObject({
      title: 'Letters, drafts and notes',
      description: 'He said "no", twice',
      line: 2,
    });
    expect(table.rows.get('B')).toMatchObject({ title: 'Two\nline title', description: 'Para 1\n\nPara 3', line: 3 });
    expect(table.rows.get('C')).toMatchObject({ title: 'Plain', line: 7 });
  });

  it('keeps unicode text intact: accents, CJK, emoji and right-to-left scripts', () => {
    // Prepare
    const text = 'identifier,title,Créateur\nDossier_é,"Café — 東京 📷",مكتبة\n';

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.rows.get('Dossier_é')).toMatchObject({
      title: 'Café — 東京 📷',
      metadata: [{ label: 'Créateur', value: 'مكتبة' }],
    });
  });

  it('skips empty cells, blank lines and rows with no value, and trims cells', () => {
    // Prepare
    const text = 'identifier,title,Creator,Subject\n\n  A  ,  ,Someone,\n,,,\nB,Beta,,\n';

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect([...table.rows.keys()]).toEqual(['A', 'B']);
    expect(table.rows.get('A')).toEqual({
      identifier: 'A',
      line: 3,
      metadata: [{ label: 'Creator', value: 'Someone' }],
    });
    expect(table.rows.get('B')).toEqual({ identifier: 'B', line: 5, title: 'Beta', metadata: [] });
  });

  it('takes rights only when it is a URI, keeping rights prose as metadata', () => {
    // Prepare
    const text =
      'identifier,Rights\nA,https://creativecommons.org/licenses/by/4.0/\nB,In copyright; contact the library\n';

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.rows.get('A')?.rights).toEqual({
      label: 'Rights',
      value: 'https://creativecommons.org/licenses/by/4.0/',
    });
    expect(table.rows.get('A')?.metadata).toEqual([]);
    expect(table.rows.get('B')?.rights).toBeUndefined();
    expect(table.rows.get('B')?.metadata).toEqual([{ label: 'Rights', value: 'In copyright; contact the library' }]);
  });

  it('prefers requiredStatement over attribution, falling back per row', () => {
    // Prepare
    const text = 'identifier,attribution,requiredStatement\nA,Old credit,New credit\nB,Only attribution,\n';

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.rows.get('A')?.requiredStatement?.value).toBe('New credit');
    expect(table.rows.get('A')?.metadata).toEqual([{ label: 'attribution', value: 'Old credit' }]);
    expect(table.rows.get('B')?.requiredStatement?.value).toBe('Only attribution');
    expect(table.rows.get('B')?.metadata).toEqual([]);
  });

  it('keeps a navDate that does not parse as metadata and warns, naming line and column', () => {
    // Prepare
    const text = 'identifier,navDate,date\nA,sometime,1950\nB,1960-02-30,\n';

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.rows.get('A')?.navDate).toBe('1950-01-01T00:00:00Z');
    expect(table.rows.get('B')?.navDate).toBeUndefined();
    expect(table.rows.get('B')?.metadata).toEqual([{ label: 'navDate', value: '1960-02-30' }]);
    expect(table.warnings).toEqual([
      expect.objectContaining({
        code: 'csv-value-unused',
        file: SOURCE,
        line: 2,
        item: 'A',
        message: expect.stringContaining(`${SOURCE}: line 2, column "navDate": "sometime" is not a date`),
      }),
      expect.objectContaining({
        line: 3,
        item: 'B',
        message: expect.stringContaining(`${SOURCE}: line 3, column "navDate": "1960-02-30" is not a date`),
      }),
    ]);
  });

  it('reads a semicolon-separated export when its header splits into an identifier column', () => {
    // Prepare
    const text = 'identifier;title;Creator\nA;Alpha, the first;Someone\n';

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.rows.get('A')).toMatchObject({
      title: 'Alpha, the first',
      metadata: [{ label: 'Creator', value: 'Someone' }],
    });
  });

  it('reads a tab-separated export with quoted fields that a comma parse rejects', () => {
    // Prepare
    const text = 'identifier\ttitle\tCreator\nA\t"Alpha"\tSomeone\n';

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.rows.get('A')).toMatchObject({ title: 'Alpha', metadata: [{ label: 'Creator', value: 'Someone' }] });
  });

  it('treats a repeated column as plain metadata, with a warning', () => {
    // Prepare
    const text = 'identifier,title,title\nA,First,Second\n';

    // Act
    const table = parseMetadataCsv(text, SOURCE);

    // Assess
    expect(table.rows.get('A')).toMatchObject({ title: 'First', metadata: [{ label: 'title', value: 'Second' }] });
    expect(table.warnings).toEqual([
      expect.objectContaining({
        code: 'csv-value-unused',
        message: expect.stringContaining('column 3 "title" repeats "title"'),
      }),
    ]);
  });

  it('rejects a CSV without an identifier column, listing the headers it found', () => {
    // Act
    const error = csvError(() => parseMetadataCsv('id,title\nA,Alpha\n', SOURCE));

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(
      `${SOURCE}: line 1: no identifier column; expected a header named "identifier" (any case) but found "id", "title"`,
    );
    expect(error).toMatchObject({ source: SOURCE, row: 1, column: 'identifier' });
  });

  it('rejects an empty identifier, naming line and column', () => {
    // Act
    const error = csvError(() => parseMetadataCsv('title,Identifier\nAlpha,A\nBeta,\n', SOURCE));

    // Assess
    expect(error.message).toBe(
      `${SOURCE}: line 3, column "Identifier": empty identifier; every row needs the identifier of its item`,
    );
    expect(error).toMatchObject({ row: 3, column: 'Identifier' });
  });

  it('rejects a duplicate identifier, naming both rows', () => {
    // Act
    const error = csvError(() =>
      parseMetadataCsv('identifier,title\nA,Alpha\nB,"Beta,\nstill beta"\nA,Again\n', SOURCE),
    );

    // Assess
    expect(error.message).toBe(
      `${SOURCE}: line 5, column "identifier": duplicate identifier "A", already on line 2; each identifier may have one row`,
    );
    expect(error).toMatchObject({ row: 5, column: 'identifier' });
  });

  it('rejects an unparseable CSV with csv-parse’s reason and line', () => {
    // Act
    const error = csvError(() => parseMetadataCsv('identifier,title\nA,Alpha\nB,"Beta\nC,Gamma\n', SOURCE));

    // Assess
    expect(error.message).toMatch(new RegExp(`^${SOURCE}: line \\d+: cannot parse the CSV: Quote Not Closed`));
    expect(error.row).toBeGreaterThanOrEqual(4);
  });

  it('rejects a stray quote inside an unquoted field, at its line', () => {
    // Act
    const error = csvError(() => parseMetadataCsv('identifier,title\nA,Alpha\nB,Be"ta\n', SOURCE));

    // Assess
    expect(error.message).toMatch(new RegExp(`^${SOURCE}: line 3: cannot parse the CSV: `));
    expect(error.row).toBe(3);
  });

  it('rejects a row with values beyond the header, naming line and column', () => {
    // Act
    const error = csvError(() => parseMetadataCsv('identifier,title\nA,Alpha\nB,Beta,Gamma\n', SOURCE));

    // Assess
    expect(error.message).toBe(
      `${SOURCE}: line 3, column 3: the row has 3 fields but the header has 2; quote values that contain the delimiter`,
    );
  });

  it('rejects an empty file and two identifier columns', () => {
    // Assess
    expect(csvError(() => parseMetadataCsv('\uFEFF\n\n', SOURCE)).message).toContain('the CSV is empty');
    expect(csvError(() => parseMetadataCsv('identifier,Identifier\nA,B\n', SOURCE)).message).toContain(
      'two identifier columns',
    );
  });
});

describe('readMetadataCsv', () => {
  let root: string;
  let storage: FsStorage;
  const task = testTask({ csvPath: 'metadata', csvName: 'box 2.csv' });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'iiif-csv-'));
    storage = new FsStorage(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads AWS_SRC_BUCKET/CSV_PATH/CSV_NAME, with a BOM', async () => {
    // Prepare
    await storage.put('img-src', 'metadata/box 2.csv', Buffer.from('\uFEFFidentifier,title\r\nA,Ålpha\r\n', 'utf8'));

    // Act
    const table = await readMetadataCsv(storage, task);

    // Assess
    expect(table.source).toBe(storage.describe('img-src', 'metadata/box 2.csv'));
    expect(table.rows.get('A')?.title).toBe('Ålpha');
  });

  it('rejects a missing file, naming where it looked and the settings that name it', async () => {
    // Act
    const error = await readMetadataCsv(storage, task).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(CsvError);
    expect((error as CsvError).message).toBe(
      `${storage.describe('img-src', 'metadata/box 2.csv')}: metadata CSV not found; expected the file named by CSV_PATH "metadata" and CSV_NAME "box 2.csv" in bucket img-src`,
    );
  });

  it('rejects a file that is not UTF-8, naming the line, column and byte', async () => {
    // Prepare
    await storage.put('img-src', 'metadata/box 2.csv', Buffer.from('identifier,title\nA,Caf\xe9\n', 'latin1'));

    // Act
    const error = await readMetadataCsv(storage, task).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(CsvError);
    expect((error as CsvError).message).toContain('line 2, column 6 (byte 22, 0xE9): the CSV is not UTF-8 text');
    expect((error as CsvError).row).toBe(2);
  });

  it('rejects UTF-16 with a hint to save as UTF-8', async () => {
    // Prepare
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('identifier,title\nA,B\n', 'utf16le')]);
    await storage.put('img-src', 'metadata/box 2.csv', utf16);

    // Act
    const error = await readMetadataCsv(storage, task).catch((caught: unknown) => caught);

    // Assess
    expect((error as CsvError).message).toContain('the CSV is UTF-16; save it as UTF-8');
  });
});
