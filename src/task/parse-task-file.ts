import { TaskFileError } from '../errors.js';
import { closestName } from './closest-name.js';
import { parseSettings, SETTING_SPECS } from './settings.js';
import type { Task } from './task.js';

/** Environment entries the old pipeline required; all still required. */
const REQUIRED = [
  'COLLECTION_IDENTIFIER',
  'ACCESS_DIR',
  'AWS_SRC_BUCKET',
  'AWS_DEST_BUCKET',
  'DEST_PREFIX',
  'DEST_URL',
  'CSV_PATH',
  'CSV_NAME',
] as const;
type RequiredName = (typeof REQUIRED)[number];

/** Environment entries accepted and recorded but not needed. */
const OPTIONAL_LEGACY = ['AWS_REGION'] as const;

export const KNOWN_ENVIRONMENT_NAMES: readonly string[] = [
  ...REQUIRED,
  ...OPTIONAL_LEGACY,
  ...SETTING_SPECS.map((spec) => spec.name),
];

const TOP_LEVEL_KEYS = ['jobName', 'jobQueue', 'jobDefinition', 'command', 'environment'];

/**
 * Parse and validate a task file (the old pipeline's format, unchanged: `jobName`, `jobQueue`,
 * `jobDefinition`, legacy `command` which is ignored, and `environment` name/value entries).
 *
 * @param text the file's contents
 * @param source where it came from, named in every error (`examples/task.json`, `s3://tasks/a.json`)
 * @throws TaskFileError naming the field and what was expected
 */
export function parseTaskFile(text: string, source?: string): Task {
  const fail = (message: string, field?: string): never => {
    throw new TaskFileError(source === undefined ? message : `${source}: ${message}`, { source, field });
  };

  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    fail(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return fail(`expected a JSON object with jobName and environment but received ${describe(document)}`);
  }
  const record = document as Record<string, unknown>;

  for (const key of Object.keys(record)) {
    if (!TOP_LEVEL_KEYS.includes(key)) {
      const suggestion = closestName(key, TOP_LEVEL_KEYS);
      fail(
        `unknown field "${key}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}; ` +
          `expected only ${TOP_LEVEL_KEYS.join(', ')}`,
        key,
      );
    }
  }

  const jobName = requireString(record, 'jobName', fail);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(jobName)) {
    fail(
      `expected jobName of 1 to 128 letters, digits, "-" or "_" starting with a letter or digit (an AWS Batch job name) but received "${jobName}"`,
      'jobName',
    );
  }
  const jobQueue = optionalString(record, 'jobQueue', fail);
  const jobDefinition = optionalString(record, 'jobDefinition', fail);

  const environment = record.environment;
  if (environment === undefined)
    fail('missing field "environment": expected an array of {"name", "value"} entries', 'environment');
  if (!Array.isArray(environment)) {
    return fail(
      `expected "environment" to be an array of {"name", "value"} entries but received ${describe(environment)}`,
      'environment',
    );
  }

  const values = new Map<string, { value: string; field: string }>();
  environment.forEach((entry: unknown, index: number) => {
    const at = `environment[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      fail(`expected ${at} to be an object {"name", "value"} but received ${describe(entry)}`, at);
    }
    const { name, value } = entry as { name?: unknown; value?: unknown };
    if (typeof name !== 'string' || name.trim() === '') {
      fail(`expected ${at}.name to be a non-empty string but received ${describe(name)}`, `${at}.name`);
    }
    const key = (name as string).trim();
    const field = `${at} (${key})`;
    if (!KNOWN_ENVIRONMENT_NAMES.includes(key)) {
      const suggestion = closestName(key, KNOWN_ENVIRONMENT_NAMES);
      fail(
        `unknown setting "${key}" in ${at}` +
          (suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`) +
          `; known names: ${KNOWN_ENVIRONMENT_NAMES.join(', ')}`,
        field,
      );
    }
    if (typeof value !== 'string') {
      fail(`expected ${field} value to be a string but received ${describe(value)}`, field);
    }
    if ((value as string).trim() === '') fail(`expected ${field} to have a non-empty value but it is empty`, field);
    if (values.has(key)) fail(`${key} is given twice (again at ${at}); give each name once`, field);
    values.set(key, { value: (value as string).trim(), field });
  });

  const required = (name: RequiredName): { value: string; field: string } => {
    const found = values.get(name);
    if (found === undefined) {
      return fail(`missing environment entry ${name}: expected {"name": "${name}", "value": "..."}`, name);
    }
    return found;
  };

  const collection = required('COLLECTION_IDENTIFIER');
  checkSegment(collection.value, collection.field, fail);
  const csvName = required('CSV_NAME');
  checkSegment(csvName.value, csvName.field, fail);
  const src = required('AWS_SRC_BUCKET');
  const dest = required('AWS_DEST_BUCKET');
  checkBucket(src.value, src.field, fail);
  checkBucket(dest.value, dest.field, fail);

  return {
    jobName,
    jobQueue,
    jobDefinition,
    region: values.get('AWS_REGION')?.value,
    collectionId: collection.value,
    accessDir: normalisePath(required('ACCESS_DIR'), fail),
    srcBucket: src.value,
    destBucket: dest.value,
    destPrefix: normalisePath(required('DEST_PREFIX'), fail),
    destUrl: normaliseUrl(required('DEST_URL'), fail),
    csvPath: normalisePath(required('CSV_PATH'), fail),
    csvName: csvName.value,
    settings: parseSettings(values, source),
  };
}

type Fail = (message: string, field?: string) => never;

function requireString(record: Record<string, unknown>, key: string, fail: Fail): string {
  const value = record[key];
  if (value === undefined) return fail(`missing field "${key}": expected a non-empty string`, key);
  if (typeof value !== 'string' || value.trim() === '') {
    return fail(`expected "${key}" to be a non-empty string but received ${describe(value)}`, key);
  }
  return value.trim();
}

function optionalString(record: Record<string, unknown>, key: string, fail: Fail): string | undefined {
  return record[key] === undefined ? undefined : requireString(record, key, fail);
}

/** A key prefix: no leading or trailing "/", no empty, "." or ".." segments. */
function normalisePath(entry: { value: string; field: string }, fail: Fail): string {
  const path = entry.value.replace(/^\/+/, '').replace(/\/+$/, '');
  if (path === '')
    return fail(`expected ${entry.field} to be a path such as "a/b" but received "${entry.value}"`, entry.field);
  const segments = path.split('/');
  if (
    path.includes('\\') ||
    /[\u0000-\u001f]/.test(path) ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    fail(
      `expected ${entry.field} to be a relative path of folder names separated by "/" (no "..", ".", "//" or "\\") but received "${entry.value}"`,
      entry.field,
    );
  }
  return path;
}

/** A single name used as one key segment. */
function checkSegment(value: string, field: string, fail: Fail): void {
  if (value.includes('/') || value.includes('\\') || value === '.' || value === '..' || /[\u0000-\u001f]/.test(value)) {
    fail(`expected ${field} to be a single name without "/", "\\" or ".." but received "${value}"`, field);
  }
}

function checkBucket(value: string, field: string, fail: Fail): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) || value.includes('..')) {
    fail(
      `expected ${field} to be an S3 bucket name (3 to 63 lowercase letters, digits, "." or "-") but received "${value}"`,
      field,
    );
  }
}

function normaliseUrl(entry: { value: string; field: string }, fail: Fail): string {
  // Checked on the text as written: the URL parser drops an empty "?" or "#", which every id would keep.
  const mark = ['?', '#'].find((character) => entry.value.includes(character));
  if (mark !== undefined) {
    fail(
      `expected ${entry.field} to be a base URL without a query or fragment (no "?" or "#", not even an empty one) but received "${entry.value}"`,
      entry.field,
    );
  }
  let url: URL;
  try {
    url = new URL(entry.value);
  } catch {
    return fail(
      `expected ${entry.field} to be an absolute http(s) URL such as https://iiif.example.org but received "${entry.value}"`,
      entry.field,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(
      `expected ${entry.field} to be an absolute http(s) URL but received the scheme "${url.protocol}" in "${entry.value}"`,
      entry.field,
    );
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    fail(
      `expected ${entry.field} to be a base URL without query, fragment or credentials but received "${entry.value}"`,
      entry.field,
    );
  }
  return url.href.replace(/\/+$/, '');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value}"`;
  return typeof value === 'object' ? 'an object' : `${String(value)} of type ${typeof value}`;
}
