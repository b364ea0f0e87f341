import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3TaskFileUploader } from '../../src/aws/task-file-upload.js';
import { InvalidInputError, TaskFileError } from '../../src/errors.js';
import {
  checkTaskKey,
  defaultTaskKey,
  StorageTaskFileUploader,
  submitTaskFile,
} from '../../src/operations/submit-task-file.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import { taskRunId } from '../../src/submitter/run-id.js';
import { type LocalAws, startLocalAws } from '../helpers/local-aws.js';
import { legacyTaskFile } from '../helpers/task-file.js';
import { emulatorS3 } from './helpers/run-records.js';

const text = JSON.stringify(legacyTaskFile(), null, 2);

describe('Function: submitTaskFile', () => {
  let aws: LocalAws;
  let s3: S3Client;
  let root: string;

  beforeAll(async () => {
    aws = await startLocalAws();
    s3 = await emulatorS3(aws, ['iiif-tasks']);
    root = await mkdtemp(join(tmpdir(), 'submit-task-file-'));
  });

  afterAll(async () => {
    s3.destroy();
    await aws.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('uploads to S3 and gives the run id the submitter computes from the stored ETag', async () => {
    // Act
    const submitted = await submitTaskFile(new S3TaskFileUploader(s3), {
      text,
      path: 'local/box2.json',
      bucket: 'iiif-tasks',
      key: defaultTaskKey('local/box2.json', 'tasks/'),
    });

    // Assess: the object is there, unchanged, and the id matches what the Lambda would derive from its event.
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'iiif-tasks', Key: 'tasks/box2.json' }));
    const etag = (head.ETag ?? '').replace(/"/g, '');
    expect(submitted).toMatchObject({
      key: 'tasks/box2.json',
      location: 's3://iiif-tasks/tasks/box2.json',
      version: etag,
    });
    expect(submitted.runId).toBe(taskRunId('Ms2016_012-Box2', 'iiif-tasks', 'tasks/box2.json', `"${etag}"`));
    const stored = await s3.send(new GetObjectCommand({ Bucket: 'iiif-tasks', Key: 'tasks/box2.json' }));
    expect(await stored.Body?.transformToString()).toBe(text);
    expect(stored.ContentType).toBe('application/json');
  });

  it('copies into a local root the same way', async () => {
    // Act
    const storage = new FsStorage(root);
    const submitted = await submitTaskFile(new StorageTaskFileUploader(storage), {
      text,
      path: 'box2.json',
      bucket: '_iiif-batch',
      key: 'tasks/box2.json',
    });

    // Assess
    expect(await readFile(join(root, '_iiif-batch', 'tasks', 'box2.json'), 'utf8')).toBe(text);
    const info = await storage.head('_iiif-batch', 'tasks/box2.json');
    expect(submitted.runId).toBe(taskRunId('Ms2016_012-Box2', '_iiif-batch', 'tasks/box2.json', info?.etag ?? ''));

    // Act again: the same bytes keep the version (as S3 ETags do); changed bytes make a new run.
    const input = { path: 'box2.json', bucket: '_iiif-batch', key: 'tasks/box2.json' };
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await submitTaskFile(new StorageTaskFileUploader(storage), { ...input, text });
    const changed = await submitTaskFile(new StorageTaskFileUploader(storage), { ...input, text: `${text}\n` });

    // Assess
    expect(again.runId).toBe(submitted.runId);
    expect(changed.runId).not.toBe(submitted.runId);
  });

  it('uploads nothing when the task file is invalid', async () => {
    // Prepare
    const invalid = JSON.stringify(legacyTaskFile({ DEST_URL: 'ftp://example.org' }));
    const uploads: string[] = [];
    const uploader = {
      describe: (bucket: string, key: string) => `${bucket}/${key}`,
      upload: async (bucket: string, key: string) => {
        uploads.push(`${bucket}/${key}`);
        return { etag: 'x' };
      },
    };

    // Act / Assess
    await expect(
      submitTaskFile(uploader, { text: invalid, path: 'bad.json', bucket: 'b', key: 'tasks/bad.json' }),
    ).rejects.toBeInstanceOf(TaskFileError);
    await expect(
      submitTaskFile(uploader, { text, path: 'task.txt', bucket: 'b', key: 'tasks/task.txt' }),
    ).rejects.toThrow(/ending in \.json/);
    await expect(
      submitTaskFile(uploader, { text, path: 'a.json', bucket: 'b', key: 'tasks/../a.json' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(uploads).toEqual([]);
  });
});

describe('Function: checkTaskKey', () => {
  it.each(['a.json', 'tasks/box2.json', 'inbox/2026/Box2.JSON'])('valid key %s passes', (key) => {
    // Act / Assess
    expect(() => checkTaskKey(key)).not.toThrow();
  });

  it.each([
    ['/tasks/a.json', 'Expected a key like tasks/name.json for --key but received "/tasks/a.json"'],
    ['tasks//a.json', 'Expected a key like tasks/name.json for --key'],
    ['tasks/../a.json', 'Expected a key like tasks/name.json for --key'],
    ['tasks/a.csv', 'Expected a key ending in .json (the bucket notifies the pipeline only of .json keys) for --key'],
  ])('invalid key %s fails', (key, message) => {
    // Act
    const act = () => checkTaskKey(key);

    // Assess
    expect(act).toThrow(InvalidInputError);
    expect(act).toThrow(message);
  });
});
