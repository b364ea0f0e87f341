import { describe, expect, it } from 'vitest';
import { TaskFileError } from '../../src/errors.js';
import { parseTaskFile } from '../../src/task/parse-task-file.js';
import { DEFAULT_SETTINGS } from '../../src/task/settings.js';
import { legacyTaskFile } from '../helpers/task-file.js';

function parse(document: unknown): ReturnType<typeof parseTaskFile> {
  return parseTaskFile(JSON.stringify(document), 'tasks/box2.json');
}

function failure(document: unknown | string): TaskFileError {
  try {
    parseTaskFile(typeof document === 'string' ? document : JSON.stringify(document), 'tasks/box2.json');
  } catch (error) {
    expect(error).toBeInstanceOf(TaskFileError);
    return error as TaskFileError;
  }
  throw new Error('expected the task file to be rejected');
}

describe('Function: parseTaskFile', () => {
  it('accepts the legacy task file unchanged', () => {
    // Act
    const task = parse(legacyTaskFile());

    // Assess
    expect(task).toEqual({
      jobName: 'Ms2016_012-Box2',
      jobQueue: 'iiif-queue',
      jobDefinition: 'iiif-job',
      region: 'us-east-1',
      collectionId: 'Ms2016_012_Womens_Development_Corp_Box2',
      accessDir: 'Women_of_Design/Ms2016_012_Womens_Development_Corp_Box2',
      srcBucket: 'img-src',
      destBucket: 'img-pub',
      destPrefix: 'iawa/Women_of_Design',
      destUrl: 'https://d21nnzi4oh5qvs.cloudfront.net',
      csvPath: 'metadata',
      csvName: 'Ms2016_012_Box2.csv',
      settings: DEFAULT_SETTINGS,
    });
  });

  it('normalises slashes in paths and the URL, and reads optional settings', () => {
    // Prepare
    const document = legacyTaskFile({
      ACCESS_DIR: '/Women_of_Design/Box2/',
      DEST_URL: 'https://iiif.example.org/base/',
      TILE_SIZE: '256',
      JPEG_QUALITY: '90',
      IMAGE_API_VERSION: '2',
      PRESENTATION_VERSION: '2',
      FORCE_RETILE: 'true',
      SHARD_COUNT: '4',
    });

    // Act
    const task = parse(document);

    // Assess
    expect(task.accessDir).toBe('Women_of_Design/Box2');
    expect(task.destUrl).toBe('https://iiif.example.org/base');
    expect(task.settings).toMatchObject({
      tileSize: 256,
      jpegQuality: 90,
      imageApiVersion: 2,
      presentationVersion: 2,
      forceRetile: true,
      shardCount: 4,
    });
  });

  it('accepts a task file without the legacy command', () => {
    // Prepare
    const document = legacyTaskFile();
    delete document.command;

    // Act
    const task = parse(document);

    // Assess
    expect(task.jobName).toBe('Ms2016_012-Box2');
  });

  it('ignores the legacy command and accepts a task without jobQueue and jobDefinition', () => {
    // Act
    const task = parse(legacyTaskFile({}, { command: ['anything'], jobQueue: undefined, jobDefinition: undefined }));

    // Assess
    expect(task.jobQueue).toBeUndefined();
    expect(task.jobDefinition).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"jobName": ', /tasks\/box2\.json: not valid JSON/],
    ['an array', '[]', /expected a JSON object/],
    ['missing jobName', JSON.stringify(legacyTaskFile({}, { jobName: undefined })), /missing field "jobName"/],
    ['empty jobName', JSON.stringify(legacyTaskFile({}, { jobName: ' ' })), /"jobName" to be a non-empty string/],
    ['jobName with spaces', JSON.stringify(legacyTaskFile({}, { jobName: 'box 2' })), /AWS Batch job name.*"box 2"/],
    ['no environment', JSON.stringify(legacyTaskFile({}, { environment: undefined })), /missing field "environment"/],
    [
      'environment not an array',
      JSON.stringify(legacyTaskFile({}, { environment: {} })),
      /"environment" to be an array/,
    ],
    [
      'entry not an object',
      JSON.stringify(legacyTaskFile({}, { environment: ['x'] })),
      /environment\[0\] to be an object/,
    ],
    [
      'entry without a name',
      JSON.stringify(legacyTaskFile({}, { environment: [{ value: 'x' }] })),
      /environment\[0\]\.name/,
    ],
  ])('rejects %s', (_case, text, message) => {
    // Act
    const error = failure(text);

    // Assess
    expect(error.message).toMatch(message);
    expect(error.source).toBe('tasks/box2.json');
  });

  it.each([
    'COLLECTION_IDENTIFIER',
    'ACCESS_DIR',
    'AWS_SRC_BUCKET',
    'AWS_DEST_BUCKET',
    'DEST_PREFIX',
    'DEST_URL',
    'CSV_PATH',
    'CSV_NAME',
  ])('rejects a task without %s, naming it', (name) => {
    // Act
    const error = failure(legacyTaskFile({ [name]: undefined }));

    // Assess
    expect(error.message).toContain(`missing environment entry ${name}`);
    expect(error.field).toBe(name);
  });

  it('rejects an empty value, naming the entry and its position', () => {
    // Act
    const error = failure(legacyTaskFile({ DEST_PREFIX: '  ' }));

    // Assess
    expect(error.message).toMatch(/environment\[5\] \(DEST_PREFIX\) to have a non-empty value/);
    expect(error.field).toBe('environment[5] (DEST_PREFIX)');
  });

  it('rejects a value that is not a string', () => {
    // Act
    const error = failure(legacyTaskFile({}, { environment: [{ name: 'TILE_SIZE', value: 512 }] }));

    // Assess
    expect(error.message).toMatch(/TILE_SIZE\) value to be a string but received 512 of type number/);
  });

  it.each([
    ['ftp://example.org', /absolute http\(s\) URL but received the scheme "ftp:"/],
    ['example.org/iiif', /absolute http\(s\) URL such as/],
    ['https://example.org/?a=1', /without a query or fragment \(no "\?" or "#", not even an empty one\)/],
    // The URL parser drops an empty query or fragment; every id would keep it.
    ['https://x.org/?', /without a query or fragment .* but received "https:\/\/x\.org\/\?"/],
    ['https://x.org/iiif#', /without a query or fragment .* but received "https:\/\/x\.org\/iiif#"/],
    ['https://user:secret@example.org', /without query, fragment or credentials/],
  ])('rejects DEST_URL %s', (url, message) => {
    // Act
    const error = failure(legacyTaskFile({ DEST_URL: url }));

    // Assess
    expect(error.message).toMatch(message);
    expect(error.field).toContain('DEST_URL');
  });

  it.each([
    ['ACCESS_DIR', 'Women/../secret'],
    ['ACCESS_DIR', 'a//b'],
    ['DEST_PREFIX', 'iawa/./x'],
    ['CSV_PATH', '..'],
    ['CSV_PATH', 'meta\\data'],
  ])('rejects %s "%s"', (name, value) => {
    // Act
    const error = failure(legacyTaskFile({ [name]: value }));

    // Assess
    expect(error.message).toMatch(new RegExp(`${name}\\) to be a relative path`));
  });

  it.each([
    ['COLLECTION_IDENTIFIER', 'a/b'],
    ['CSV_NAME', '../x.csv'],
    ['COLLECTION_IDENTIFIER', '..'],
  ])('rejects %s "%s" that is not a single name', (name, value) => {
    // Act
    const error = failure(legacyTaskFile({ [name]: value }));

    // Assess
    expect(error.message).toMatch(/to be a single name/);
  });

  it.each(['Img_Src', 'ab', 'bucket..name', '-bucket'])('rejects the bucket name "%s"', (bucket) => {
    // Act
    const error = failure(legacyTaskFile({ AWS_SRC_BUCKET: bucket }));

    // Assess
    expect(error.message).toMatch(/AWS_SRC_BUCKET\) to be an S3 bucket name/);
  });

  it.each(['AWS_SRC_BUCKET', 'AWS_DEST_BUCKET'])('rejects an IP address as %s, like the stack settings', (name) => {
    // Act
    const error = failure(legacyTaskFile({ [name]: '192.168.5.4' }));

    // Assess
    expect(error.message).toMatch(new RegExp(`${name}\\) to be an S3 bucket name but received "192\\.168\\.5\\.4"`));
    expect(error.field).toMatch(name);
  });

  it('names the file in the message of a setting', () => {
    // Act
    const error = failure(legacyTaskFile({ SHARD_COUNT: '-1' }));

    // Assess
    expect(error.message).toBe(
      'tasks/box2.json: Expected integer between 0 and 10000 for environment[9] (SHARD_COUNT) but received "-1"',
    );
    expect(error.field).toBe('environment[9] (SHARD_COUNT)');
  });

  it('rejects an unknown setting and suggests the closest known name', () => {
    // Act
    const error = failure(legacyTaskFile({ TILESIZE: '256' }));

    // Assess
    expect(error.message).toMatch(/unknown setting "TILESIZE" in environment\[\d+\] \(did you mean "TILE_SIZE"\?\)/);
  });

  it('rejects an unknown top-level field and suggests the closest one', () => {
    // Act
    const error = failure({ ...legacyTaskFile(), enviroment: [] });

    // Assess
    expect(error.message).toMatch(/unknown field "enviroment" \(did you mean "environment"\?\)/);
  });

  it('rejects a name given twice', () => {
    // Prepare
    const document = legacyTaskFile();
    (document.environment as unknown[]).push({ name: 'DEST_PREFIX', value: 'other' });

    // Act
    const error = failure(document);

    // Assess
    expect(error.message).toMatch(/DEST_PREFIX is given twice/);
  });

  it.each([
    ['TILE_SIZE', '0', 'Expected integer between 64 and 4096 for environment[9] (TILE_SIZE) but received "0"'],
    ['TILE_SIZE', '4097', 'Expected integer between 64 and 4096'],
    ['TILE_SIZE', '256.5', 'Expected integer between 64 and 4096'],
    ['JPEG_QUALITY', '101', 'Expected integer between 1 and 100'],
    ['IMAGE_API_VERSION', '2.1', 'Expected one of 3, 2 for'],
    ['FORCE_RETILE', 'maybe', 'Expected true or false for'],
    ['MAX_SHARDS', '10001', 'Expected integer between 1 and 10000'],
    ['PDF_DPI', '71', 'Expected integer between 72 and 1200'],
    ['PDF_DPI', '1201', 'Expected integer between 72 and 1200'],
    ['PDF_DPI', '300dpi', 'Expected integer between 72 and 1200'],
  ])('rejects %s=%s with a precise message', (name, value, message) => {
    // Act
    const error = failure(legacyTaskFile({ [name]: value }));

    // Assess
    expect(error.message).toContain(message);
  });

  it.each([
    ['TILE_SIZE', '64', 64],
    ['TILE_SIZE', '4096', 4096],
    ['JPEG_QUALITY', '1', 1],
    ['JPEG_QUALITY', '100', 100],
    ['FULL_MAX_SIZE', '256', 256],
    ['FULL_MAX_SIZE', '65000', 65000],
    ['SHARD_TARGET_MINUTES', '600', 600],
    ['MAX_SHARDS', '10000', 10000],
    ['PDF_DPI', '72', 72],
    ['PDF_DPI', '1200', 1200],
  ])('accepts the boundary %s=%s', (name, value, expected) => {
    // Act
    const task = parse(legacyTaskFile({ [name]: value }));

    // Assess
    expect(Object.values(task.settings)).toContain(expected);
  });
});
