import * as z from 'zod';
import { TaskFileError } from '../errors.js';
import { dottedPath, expectedMessage, parseInput } from '../validation/parse-input.js';
import { baseUrl, bucketName, keyPath, singleName, text } from '../validation/rules.js';
import { SETTING_RULES, settingsFrom } from './settings.js';
import type { Task } from './task.js';

const nonEmpty = text('a non-empty string', (value) => value.trim() !== '').transform((value) => value.trim());

/** The task file: the old pipeline's format, unchanged (`command` is legacy and ignored). */
const DOCUMENT = z.strictObject(
  {
    jobName: nonEmpty.pipe(
      text('1 to 128 letters, digits, "-" or "_" starting with a letter or digit (an AWS Batch job name)', (value) =>
        /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(value),
      ),
    ),
    jobQueue: nonEmpty.optional(),
    jobDefinition: nonEmpty.optional(),
    command: z.unknown().optional(),
    environment: z.array(
      z.object({ name: nonEmpty, value: z.string({ error: 'a string' }) }, { error: 'an object {"name", "value"}' }),
      { error: 'an array of {"name", "value"} entries' },
    ),
  },
  { error: 'a JSON object with jobName and environment' },
);

/** The `environment` entries by name: the old pipeline's required ones, AWS_REGION (recorded only), and the settings. */
const ENVIRONMENT = z.strictObject({
  COLLECTION_IDENTIFIER: singleName,
  ACCESS_DIR: keyPath,
  AWS_SRC_BUCKET: bucketName,
  AWS_DEST_BUCKET: bucketName,
  DEST_PREFIX: keyPath,
  DEST_URL: baseUrl,
  CSV_PATH: keyPath,
  CSV_NAME: singleName,
  AWS_REGION: z.string().optional(),
  ...SETTING_RULES,
});

export const KNOWN_ENVIRONMENT_NAMES: readonly string[] = Object.keys(ENVIRONMENT.shape);

/**
 * Parse and validate a task file (the old pipeline's format, unchanged: `jobName`, `jobQueue`,
 * `jobDefinition`, legacy `command` which is ignored, and `environment` name/value entries).
 *
 * @param text the file's contents
 * @param source where it came from, named in every error (`examples/task.json`, `s3://tasks/a.json`)
 * @throws TaskFileError naming the field and what was expected
 */
export function parseTaskFile(text: string, source?: string): Task {
  const error = (message: string, field?: string): TaskFileError =>
    new TaskFileError(source === undefined ? message : `${source}: ${message}`, { source, field });
  const fail = (message: string, field?: string): never => {
    throw error(message, field);
  };

  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    fail(`not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`);
  }
  const document = parseInput(DOCUMENT, json, (problem) => {
    const [key, index, part] = problem.path;
    if (problem.unknown !== undefined) {
      const { suggestion, known } = problem.unknown;
      return error(
        `unknown field "${key}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}; ` +
          `expected only ${known.join(', ')}`,
        String(key),
      );
    }
    const entryName = () => (json as { environment: { name: string }[] }).environment[Number(index)]?.name.trim();
    const field =
      problem.path.length === 1
        ? `"${key}"`
        : part === 'value'
          ? `environment[${index}] (${entryName()}) value`
          : dottedPath(problem.path);
    if (key === undefined) return error(`expected ${problem.expected} but received ${problem.received}`);
    if (problem.missing) return error(`missing field ${field}: expected ${problem.expected}`, dottedPath(problem.path));
    return error(
      `expected ${field} to be ${problem.expected} but received ${problem.received}`,
      dottedPath(problem.path),
    );
  });

  const values: Record<string, string> = {};
  const fields = new Map<string, string>();
  document.environment.forEach(({ name, value }, index) => {
    const field = `environment[${index}] (${name})`;
    if (fields.has(name)) fail(`${name} is given twice (again at environment[${index}]); give each name once`, field);
    if (value.trim() === '') fail(`expected ${field} to have a non-empty value but it is empty`, field);
    values[name] = value.trim();
    fields.set(name, field);
  });

  const environment = parseInput(ENVIRONMENT, values, (problem) => {
    const name = String(problem.path[0]);
    const field = fields.get(name) ?? name;
    if (problem.unknown !== undefined) {
      const at = field.replace(/ \(.*$/, '');
      const { suggestion } = problem.unknown;
      return error(
        `unknown setting "${name}" in ${at}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}` +
          `; known names: ${KNOWN_ENVIRONMENT_NAMES.join(', ')}`,
        field,
      );
    }
    if (problem.missing) {
      return error(`missing environment entry ${name}: expected {"name": "${name}", "value": "..."}`, name);
    }
    // Settings speak sharp's shape; the old pipeline's own entries keep their familiar wording.
    if (name in SETTING_RULES) return error(expectedMessage(problem, field), field);
    return error(`expected ${field} to be ${problem.expected} but received ${problem.received}`, field);
  });

  return {
    jobName: document.jobName,
    jobQueue: document.jobQueue,
    jobDefinition: document.jobDefinition,
    region: environment.AWS_REGION,
    collectionId: environment.COLLECTION_IDENTIFIER,
    accessDir: environment.ACCESS_DIR,
    srcBucket: environment.AWS_SRC_BUCKET,
    destBucket: environment.AWS_DEST_BUCKET,
    destPrefix: environment.DEST_PREFIX,
    destUrl: environment.DEST_URL,
    csvPath: environment.CSV_PATH,
    csvName: environment.CSV_NAME,
    settings: settingsFrom(environment),
  };
}
