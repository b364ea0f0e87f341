import { CsvError as CsvParseError, parse } from 'csv-parse/sync';
import { CsvError, NotFoundError } from '../errors.js';
import type { RunWarning } from '../run/run-warning.js';
import type { Storage } from '../storage/storage.js';
import { csvKey, type Task } from '../task/task.js';
import { decodeUtf8 } from '../util/decode-utf8.js';
import type { LabelledValue, MetadataRow, MetadataTable } from './metadata-table.js';
import { parseNavDate } from './parse-nav-date.js';

export type { LabelledValue, MetadataRow, MetadataTable } from './metadata-table.js';

/**
 * Read and parse the task's metadata CSV, `AWS_SRC_BUCKET/CSV_PATH/CSV_NAME`. The submitter calls this
 * before any tiling to reject a bad CSV early; the assembler calls it to label the manifests.
 *
 * @throws CsvError when the file is missing, not UTF-8 or not usable (see `parseMetadataCsv`)
 */
export async function readMetadataCsv(storage: Storage, task: Task): Promise<MetadataTable> {
  const key = csvKey(task);
  const source = storage.describe(task.srcBucket, key);
  let bytes: Buffer;
  try {
    bytes = await storage.getBytes(task.srcBucket, key);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new CsvError(
        `${source}: metadata CSV not found; expected the file named by CSV_PATH "${task.csvPath}" and CSV_NAME "${task.csvName}" in bucket ${task.srcBucket}`,
        { source },
        { cause: error },
      );
    }
    throw error;
  }
  return parseMetadataCsv(decodeCsv(bytes, source), source);
}

/** Column roles, by header name lower-cased without spaces, `_`, `-` or `.` (`Nav Date` = `navdate`). */
type Role = 'identifier' | 'title' | 'description' | 'rights' | 'requiredStatement' | 'navDate' | 'date';

const ROLES: Readonly<Record<string, Role>> = {
  identifier: 'identifier',
  title: 'title',
  description: 'description',
  rights: 'rights',
  requiredstatement: 'requiredStatement',
  attribution: 'requiredStatement',
  navdate: 'navDate',
  date: 'date',
  datecreated: 'date',
  created: 'date',
};

const DELIMITERS = [',', ';', '\t'] as const;

interface Column {
  readonly index: number;
  readonly label: string;
  readonly role: Role | undefined;
}

/**
 * Parse a metadata CSV: one header row, then one row per item (or for the collection itself).
 *
 * - UTF-8, with or without a byte-order mark; any line endings; quoted fields may hold commas,
 *   quotes (`""`) and line breaks. Comma-separated; a file whose header has no identifier column
 *   but splits on `;` or tabs into one is read with that delimiter (European spreadsheet exports).
 * - Header names are matched case-insensitively, ignoring spaces, `_`, `-` and `.`:
 *   `identifier` (required), `title`, `description`, `rights`, `requiredStatement` or `attribution`,
 *   `navDate`, and `date`/`dateCreated`/`created` (kept as metadata and also used for navDate).
 *   Every other column is metadata, labelled with its header as written.
 * - Cells are trimmed; empty cells are no value; rows with no value at all are skipped.
 *
 * @param text the file's text (a leading BOM is removed)
 * @param source where it came from, named in every message
 * @throws CsvError (naming file, line and column) when the CSV cannot be parsed, has no identifier
 *   column, a row without identifier, the same identifier twice, or a value under no header
 */
export function parseMetadataCsv(text: string, source: string): MetadataTable {
  // One line-ending convention makes csv-parse's line numbers exact (it miscounts CRLF inside quotes).
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (normalised.trim() === '') {
    throw new CsvError(`${source}: the CSV is empty; expected a header row with an identifier column`, {
      source,
      row: 1,
    });
  }
  const { records, columns } = parseWithDelimiter(normalised, source);
  const header = records[0];
  if (header === undefined) {
    throw new CsvError(`${source}: the CSV is empty; expected a header row with an identifier column`, {
      source,
      row: 1,
    });
  }
  const identifierColumns = columns.filter((column) => column.role === 'identifier');
  const identifierColumn = identifierColumns[0];
  if (identifierColumn === undefined) {
    const found = columns.map((column) => `"${column.label}"`).join(', ');
    throw new CsvError(
      `${source}: line ${header.line}: no identifier column; expected a header named "identifier" (any case) but found ${found === '' ? 'no headers' : found}`,
      { source, row: header.line, column: 'identifier' },
    );
  }
  const second = identifierColumns[1];
  if (second !== undefined) {
    throw new CsvError(
      `${source}: line ${header.line}: two identifier columns ("${identifierColumn.label}" in column ${identifierColumn.index + 1} and "${second.label}" in column ${second.index + 1}); keep one`,
      { source, row: header.line, column: second.label },
    );
  }

  const warnings: RunWarning[] = [];
  // The first column of a role takes it; later ones of the same role are plain metadata.
  const roleColumns = new Map<Role, Column[]>();
  const effective = columns.map((column): Column => {
    if (column.role === undefined) return column;
    const list = roleColumns.get(column.role) ?? [];
    const single = column.role !== 'requiredStatement' && column.role !== 'date';
    if (single && list.length > 0) {
      warnings.push({
        code: 'csv-value-unused',
        message: `${source}: column ${column.index + 1} "${column.label}" repeats "${list[0]?.label}"; it is used as plain metadata`,
        file: source,
        line: header.line,
      });
      return { ...column, role: undefined };
    }
    list.push(column);
    roleColumns.set(column.role, list);
    return column;
  });
  // `requiredStatement` before `attribution`, whatever their order in the file.
  roleColumns.get('requiredStatement')?.sort((a, b) => rank(a.label) - rank(b.label));

  const rows = new Map<string, MetadataRow>();
  const unlabelledWarned = new Set<Column>();
  for (const record of records.slice(1)) {
    const cell = (column: Column): string => (record.fields[column.index] ?? '').trim();
    if (record.fields.every((field) => field.trim() === '')) continue;
    checkExtraFields(record, columns.length, source);
    const unlabelled = effective.find((column) => column.label === '' && cell(column) !== '');
    if (unlabelled !== undefined && !unlabelledWarned.has(unlabelled)) {
      unlabelledWarned.add(unlabelled);
      warnings.push({
        code: 'csv-value-unused',
        message: `${source}: line ${record.line}: column ${unlabelled.index + 1} has a value but no header; it is ignored`,
        file: source,
        line: record.line,
      });
    }
    const identifier = cell(identifierColumn);
    if (identifier === '') {
      throw new CsvError(
        `${source}: line ${record.line}, column "${identifierColumn.label}": empty identifier; every row needs the identifier of its item`,
        { source, row: record.line, column: identifierColumn.label },
      );
    }
    const earlier = rows.get(identifier);
    if (earlier !== undefined) {
      throw new CsvError(
        `${source}: line ${record.line}, column "${identifierColumn.label}": duplicate identifier "${identifier}", already on line ${earlier.line}; each identifier may have one row`,
        { source, row: record.line, column: identifierColumn.label },
      );
    }
    rows.set(identifier, buildRow(identifier, record.line, effective, roleColumns, cell, warnings, source));
  }
  return { source, columns: columns.map((column) => column.label), rows, warnings };
}

function buildRow(
  identifier: string,
  line: number,
  columns: readonly Column[],
  roleColumns: ReadonlyMap<Role, Column[]>,
  cell: (column: Column) => string,
  warnings: RunWarning[],
  source: string,
): MetadataRow {
  const used = new Set<Column>();
  const first = (role: Role): { column: Column; value: string } | undefined => {
    for (const column of roleColumns.get(role) ?? []) {
      const value = cell(column);
      if (value !== '') return { column, value };
    }
    return undefined;
  };
  const take = (role: Role): { column: Column; value: string } | undefined => {
    const found = first(role);
    if (found !== undefined) used.add(found.column);
    return found;
  };

  const title = take('title');
  const description = take('description');
  const attribution = take('requiredStatement');
  const rightsCell = first('rights');
  let rights: LabelledValue | undefined;
  if (rightsCell !== undefined && isHttpUri(rightsCell.value)) {
    used.add(rightsCell.column);
    rights = { label: rightsCell.column.label, value: rightsCell.value };
  }

  let navDate: string | undefined;
  const navDateCell = first('navDate');
  if (navDateCell !== undefined) {
    navDate = parseNavDate(navDateCell.value);
    if (navDate === undefined) {
      warnings.push({
        code: 'csv-value-unused',
        message: `${source}: line ${line}, column "${navDateCell.column.label}": "${navDateCell.value}" is not a date (expected e.g. 1920, 1920-05-02 or 1920-05-02T10:30:00Z); kept as metadata but not as navDate`,
        file: source,
        line,
        item: identifier,
      });
    } else {
      used.add(navDateCell.column);
    }
  }
  if (navDate === undefined) {
    for (const column of roleColumns.get('date') ?? []) {
      navDate = parseNavDate(cell(column));
      if (navDate !== undefined) break;
    }
  }

  const metadata: LabelledValue[] = [];
  for (const column of columns) {
    if (column.label === '' || column.role === 'identifier' || used.has(column)) continue;
    const value = cell(column);
    if (value !== '') metadata.push({ label: column.label, value });
  }
  return {
    identifier,
    line,
    ...(title === undefined ? {} : { title: title.value }),
    ...(description === undefined ? {} : { description: description.value }),
    ...(rights === undefined ? {} : { rights }),
    ...(attribution === undefined ? {} : { requiredStatement: { label: 'Attribution', value: attribution.value } }),
    ...(navDate === undefined ? {} : { navDate }),
    metadata,
  };
}

interface CsvRecord {
  readonly fields: readonly string[];
  /** 1-based line where the record starts. */
  readonly line: number;
}

function parseRecords(text: string, delimiter: string, source: string): CsvRecord[] {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, {
      delimiter,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvParseError) {
      const line = (error as CsvParseError & { lines?: number }).lines;
      throw new CsvError(
        `${source}: ${line === undefined ? '' : `line ${line}: `}cannot parse the CSV: ${error.message}`,
        { source, ...(line === undefined ? {} : { row: line }) },
        { cause: error },
      );
    }
    throw error;
  }
  return parsed.map(({ record, info }) => {
    // `info.lines` is the record's last line; line breaks inside quoted fields are in the values.
    const inner = record.reduce((count, field) => count + countLineBreaks(field), 0);
    return { fields: record, line: info.lines - inner };
  });
}

/**
 * Parse with `,`; when that fails or gives no identifier column, and the first line holds `;` or a
 * tab, try that delimiter instead. The comma attempt's error wins when no other delimiter works.
 */
function parseWithDelimiter(text: string, source: string): { records: CsvRecord[]; columns: Column[] } {
  const attempt = (delimiter: string): { records: CsvRecord[]; columns: Column[] } | CsvError => {
    try {
      const records = parseRecords(text, delimiter, source);
      return { records, columns: readHeader(records[0]?.fields ?? []) };
    } catch (error) {
      if (error instanceof CsvError) return error;
      throw error;
    }
  };
  const hasIdentifier = (columns: readonly Column[]): boolean => columns.some((column) => column.role === 'identifier');
  const comma = attempt(',');
  if (!(comma instanceof CsvError) && hasIdentifier(comma.columns)) return comma;
  const end = text.indexOf('\n');
  const firstLine = end < 0 ? text : text.slice(0, end);
  for (const delimiter of DELIMITERS.slice(1)) {
    if (!firstLine.includes(delimiter)) continue;
    const other = attempt(delimiter);
    if (!(other instanceof CsvError) && hasIdentifier(other.columns)) return other;
  }
  if (comma instanceof CsvError) throw comma;
  return comma;
}

function readHeader(fields: readonly string[]): Column[] {
  return fields.map((field, index) => {
    const label = field.trim();
    const role = ROLES[normaliseName(label)];
    return { index, label, role };
  });
}

function checkExtraFields(record: CsvRecord, headerLength: number, source: string): void {
  const extra = record.fields.findIndex((field, index) => index >= headerLength && field.trim() !== '');
  if (extra >= 0) {
    throw new CsvError(
      `${source}: line ${record.line}, column ${extra + 1}: the row has ${record.fields.length} fields but the header has ${headerLength}; quote values that contain the delimiter`,
      { source, row: record.line, column: String(extra + 1) },
    );
  }
}

function normaliseName(label: string): string {
  return label.toLowerCase().replace(/[\s_.-]/g, '');
}

function rank(label: string): number {
  return normaliseName(label) === 'requiredstatement' ? 0 : 1;
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (const char of text) if (char === '\n') count++;
  return count;
}

/** An absolute http(s) URI with no spaces: a licence or rights statement, not prose. */
function isHttpUri(value: string): boolean {
  if (!/^https?:\/\/\S+$/i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

function decodeCsv(bytes: Buffer, source: string): string {
  const decoded = decodeUtf8(bytes);
  if (decoded.ok) return decoded.text;
  const { problem } = decoded;
  if (problem.kind === 'utf-16') {
    throw new CsvError(`${source}: the CSV is UTF-16; save it as UTF-8 ("CSV UTF-8" in spreadsheet programs)`, {
      source,
      row: 1,
    });
  }
  throw new CsvError(
    `${source}: line ${problem.line}, column ${problem.column} (byte ${problem.offset}, 0x${problem.byte}): the CSV is not UTF-8 text; save it as UTF-8 ("CSV UTF-8" in spreadsheet programs)`,
    { source, row: problem.line },
  );
}
